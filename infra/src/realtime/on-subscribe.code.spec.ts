import { imageChangesChannel } from '@imgpipe/contracts/views';
import { ON_SUBSCRIBE_CODE } from './on-subscribe.code';

class Unauthorized extends Error {}

/** Runs the handler text as AppSync would: its one import is the utils module, here a stand-in whose `unauthorized` throws (as AppSync's does). */
function onSubscribe(ctx: unknown): void {
  const importLine = "import { util } from '@aws-appsync/utils';";
  expect(ON_SUBSCRIBE_CODE.startsWith(importLine)).toBe(true);
  const body = ON_SUBSCRIBE_CODE.replace(importLine, '').replace(/^export /m, '');
  const util = {
    unauthorized: () => {
      throw new Unauthorized();
    },
  };
  const handler = new Function('util', `${body}\nreturn onSubscribe;`)(util) as (ctx: unknown) => void;
  handler(ctx);
}

const SUB = '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b';
const subscribe = (path: string, identity: unknown) => ({
  identity,
  info: { channel: { path, segments: path.split('/').filter(Boolean) }, channelNamespace: { name: 'images' }, operation: 'SUBSCRIBE' },
});

describe('the image-changes onSubscribe handler', () => {
  it("admits a subscriber to its own channel, the one the publisher and the UI name", () => {
    expect(() => onSubscribe(subscribe(imageChangesChannel(SUB) ?? '', { sub: SUB, username: 'someone' }))).not.toThrow();
  });

  it.each([
    ["another user's channel", `/images/${'0'.repeat(8)}-6a4d-4e8f-9b7a-2c1d0e9f8a7b`, { sub: SUB }],
    ['a wildcard over every user', '/images/*', { sub: SUB }],
    ['a sub-channel of its own', `/images/${SUB}/x`, { sub: SUB }],
    ['no identity (an API key)', `/images/${SUB}`, null],
    ['an identity without a sub', `/images/${SUB}`, { username: SUB }],
    ['an empty sub on the namespace root', '/images/', { sub: '' }],
  ])('refuses %s', (_case, path, identity) => {
    expect(() => onSubscribe(subscribe(path, identity))).toThrow(Unauthorized);
  });
});
