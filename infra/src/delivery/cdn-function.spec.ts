import { runInNewContext } from 'node:vm';
import { negotiatedKey, negotiateImageFormat, type NegotiableFormat } from '@imgpipe/delivery';
import { buildCdnFunctionCode, CLOUDFRONT_FUNCTION_MAX_BYTES } from './cdn-function';

interface Request {
  uri: string;
  headers: Record<string, { value: string }>;
}

/** Runs the bundled code the way CloudFront does: a fresh global scope, `handler(event)`, no require. */
function runCdnFunction(request: Request): Request {
  const sandbox: { event: unknown; result: Request | undefined } = { event: { version: '1.0', request }, result: undefined };
  runInNewContext(`${buildCdnFunctionCode()}\nresult = handler(event);`, sandbox);
  return sandbox.result as Request;
}

const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

describe('the CDN viewer-request function (bundled, run in a bare context)', () => {
  it('is self-contained and within CloudFront Functions\' 10 KB', () => {
    const code = buildCdnFunctionCode();
    expect(Buffer.byteLength(code)).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES);
    expect(code).not.toMatch(/\brequire\(|\bimport\s|\bexport\s/);
    expect(code).toMatch(/function handler\(event\)/);
  });

  it.each([
    [CHROME_ACCEPT, ['avif', 'webp', 'jpeg'], 'avif', 'full.avif'],
    ['image/webp,*/*', ['avif', 'webp', 'jpeg'], 'webp', 'full.webp'],
    ['*/*', ['avif', 'webp', 'jpeg'], 'jpeg', 'full.jpg'],
    [CHROME_ACCEPT, ['webp'], 'webp', 'full.webp'],
    ['image/jpeg', ['webp', 'jpeg'], 'jpeg', 'full.jpg'],
    // An original GIF or PNG kept as it is (honest output): the fallback of a client without WebP.
    [CHROME_ACCEPT, ['webp', 'gif'], 'webp', 'full.webp'],
    ['*/*', ['webp', 'gif'], 'gif', 'full.gif'],
    [CHROME_ACCEPT, ['gif'], 'gif', 'full.gif'],
    ['image/png,image/*;q=0.8,*/*;q=0.5', ['webp', 'png'], 'png', 'full.png'],
  ] as const)('Accept %p with %p named by the URL -> %s', (accept, available, format, file) => {
    const uri = `/${negotiatedKey('u1', 'img-1', 'v1', available as readonly NegotiableFormat[])}`;
    const out = runCdnFunction({ uri, headers: { accept: { value: accept } } });
    expect(out.uri).toBe(`/compressed/u1/img-1/v1/${file}`);
    expect(out.headers['x-imgpipe-format']).toEqual({ value: format });
    // The very function the local /cdn uses decides.
    expect(negotiateImageFormat(accept, available)).toBe(format);
  });

  it('answers a request without Accept with JPEG when the URL names it', () => {
    const out = runCdnFunction({ uri: '/compressed/u1/img-1/v1/full~webp~jpeg', headers: {} });
    expect(out.uri).toBe('/compressed/u1/img-1/v1/full.jpg');
  });

  it('never answers with a format the URL does not name (the only one there is, even for Accept: image/jpeg)', () => {
    const out = runCdnFunction({ uri: '/compressed/u1/img-1/v1/full~webp', headers: { accept: { value: 'image/jpeg' } } });
    expect(out.uri).toBe('/compressed/u1/img-1/v1/full.webp');
  });

  it('leaves the old unversioned negotiated path alone (it names no files: the origin answers 404)', () => {
    const out = runCdnFunction({ uri: '/compressed/u1/img-1/full', headers: { accept: { value: CHROME_ACCEPT } } });
    expect(out.uri).toBe('/compressed/u1/img-1/full');
    expect(out.headers['x-imgpipe-format']).toBeUndefined();
  });

  it('leaves other paths alone and strips a client-sent format header (no cache splitting)', () => {
    const out = runCdnFunction({
      uri: '/thumbnails/u1/img-1/small.webp',
      headers: { accept: { value: CHROME_ACCEPT }, 'x-imgpipe-format': { value: 'evil' } },
    });
    expect(out.uri).toBe('/thumbnails/u1/img-1/small.webp');
    expect(out.headers['x-imgpipe-format']).toBeUndefined();
    const explicit = runCdnFunction({ uri: '/compressed/u1/img-1/v1/full.webp', headers: {} });
    expect(explicit.uri).toBe('/compressed/u1/img-1/v1/full.webp');
  });
});
