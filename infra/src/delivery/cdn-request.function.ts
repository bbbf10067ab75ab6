/*
 * The viewer-request code of the CDN, bundled by esbuild (see cdn-function.ts) into a
 * CloudFront Function (cloudfront-js-2.0): no Node APIs, no modules at run time. It uses
 * the very `negotiateImageFormat` the local runtime's `/cdn/*` uses, so both answer alike.
 */
import { negotiatedVariantKey, negotiateImageFormat, parseNegotiatedKey } from '@imgpipe/delivery';

/** The header the cache policy keys on: the negotiated format, never the raw `Accept`. */
export const FORMAT_HEADER = 'x-imgpipe-format';

/** The part of a CloudFront Functions viewer-request event this code reads and writes. */
export interface CdnRequest {
  uri: string;
  headers: Record<string, { value: string } | undefined>;
}

/**
 * Rewrites a negotiated URL to the stored variant the client accepts best among the formats
 * the URL names (`.../{version}/full~webp~jpeg` -> `.../{version}/full.webp`): the function
 * cannot read the database, so the URL says which formats exist for its run. Sets
 * {@link FORMAT_HEADER} to the format; any other request passes unchanged, with the header
 * removed so a client cannot split the cache.
 */
export function rewriteRequest(request: CdnRequest): CdnRequest {
  delete request.headers[FORMAT_HEADER];
  // `/compressed/<user>/<image>/<version>/full~<formats>`: the negotiated URL (delivery's one definition, on the key after `/`).
  const negotiated = request.uri.charAt(0) === '/' ? parseNegotiatedKey(request.uri.slice(1)) : undefined;
  if (!negotiated) return request;
  const accept = request.headers['accept'];
  const format = negotiateImageFormat(accept ? accept.value : undefined, negotiated.formats);
  if (format === undefined) return request;
  request.uri = `/${negotiatedVariantKey(negotiated, format)}`;
  request.headers[FORMAT_HEADER] = { value: format };
  return request;
}
