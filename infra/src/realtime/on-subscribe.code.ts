import { IMAGE_CHANGES_NAMESPACE } from '@imgpipe/contracts/views';

/**
 * The image-changes namespace's event handler code (APPSYNC_JS, run by AppSync Events after
 * the Cognito/OIDC authorization passed): a subscriber may subscribe only to its own channel,
 * `/images/{sub}` (`imageChangesChannel` of `@imgpipe/contracts/views` names the same one).
 * A wildcard (`/images/*`), another user's sub or a caller without a `sub` is refused.
 * Channel-level auth modes cannot say "only your own channel", hence a handler; it is plain
 * JavaScript text because AppSync evaluates it, and `on-subscribe.code.spec.ts` runs the same
 * text against a stand-in for `@aws-appsync/utils`.
 */
export const ON_SUBSCRIBE_CODE = [
  "import { util } from '@aws-appsync/utils';",
  '',
  'export function onSubscribe(ctx) {',
  '  const sub = ctx.identity && ctx.identity.sub;',
  `  if (typeof sub !== 'string' || sub === '' || ctx.info.channel.path !== '/${IMAGE_CHANGES_NAMESPACE}/' + sub) {`,
  "    util.unauthorized();",
  '  }',
  '}',
  '',
].join('\n');
