import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** CloudFront Functions' limit on a function's code. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;

/** The global the bundle assigns its exports to; the `handler` CloudFront calls delegates to it. */
const BUNDLE_GLOBAL = 'imgpipeCdn';

/**
 * The CloudFront Function code (cloudfront-js-2.0) of the CDN's viewer-request: the
 * rewrite of `cdn-request.function.ts`, with `@imgpipe/delivery`'s `negotiateImageFormat`
 * inlined by esbuild (an IIFE, ES2020, minified), followed by the global `handler`
 * CloudFront calls. No formats are baked in: a negotiated URL names the formats stored for
 * its run, so a change of `COMPRESS_FORMATS` needs no redeploy of the function.
 *
 * @throws when the bundle is over CloudFront's 10 KB limit.
 */
export function buildCdnFunctionCode(): string {
  const result = buildSync({
    entryPoints: [join(__dirname, 'cdn-request.function.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: BUNDLE_GLOBAL,
    platform: 'neutral',
    mainFields: ['main'],
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const bundle = result.outputFiles[0]?.text ?? '';
  const code = [
    bundle.trim(),
    `function handler(event) { return ${BUNDLE_GLOBAL}.rewriteRequest(event.request); }`,
    '',
  ].join('\n');
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > CLOUDFRONT_FUNCTION_MAX_BYTES) {
    throw new Error(`the CDN function is ${bytes} bytes, over CloudFront's ${CLOUDFRONT_FUNCTION_MAX_BYTES}`);
  }
  return code;
}
