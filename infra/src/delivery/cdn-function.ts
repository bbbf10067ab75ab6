import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { NegotiableFormat } from '@imgpipe/delivery';

/** CloudFront Functions' limit on a function's code. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;

/** The global the bundle assigns its exports to; the `handler` CloudFront calls delegates to it. */
const BUNDLE_GLOBAL = 'imgpipeCdn';

/**
 * The CloudFront Function code (cloudfront-js-2.0) of the CDN's viewer-request: the
 * rewrite of `cdn-request.function.ts`, with `@imgpipe/delivery`'s `negotiateImageFormat`
 * inlined by esbuild (an IIFE, ES2020, minified), followed by the global `handler`
 * CloudFront calls, with the formats the compress service stores baked in.
 *
 * @throws when the bundle is over CloudFront's 10 KB limit.
 */
export function buildCdnFunctionCode(available: readonly NegotiableFormat[]): string {
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
    `var AVAILABLE_FORMATS = ${JSON.stringify(available)};`,
    `function handler(event) { return ${BUNDLE_GLOBAL}.rewriteRequest(event.request, AVAILABLE_FORMATS); }`,
    '',
  ].join('\n');
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > CLOUDFRONT_FUNCTION_MAX_BYTES) {
    throw new Error(`the CDN function is ${bytes} bytes, over CloudFront's ${CLOUDFRONT_FUNCTION_MAX_BYTES}`);
  }
  return code;
}
