import { createHmac } from 'node:crypto';
import { parseSignatureHeader, signWebhookBody, verifyWebhookSignature } from './signature';

const secret = 'whsec_0123456789abcdef';
const body = JSON.stringify({ eventId: 'e-1', detailType: 'ImageProcessed', data: { imageId: 'img_1' } });
const t = 1_748_779_200; // 2025-06-01T12:00:00Z
const now = new Date(t * 1000);

describe('signWebhookBody', () => {
  it('writes t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>', () => {
    const header = signWebhookBody({ secret, body, timestamp: t });

    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(header).toBe(`t=${t},v1=${expected}`);
  });

  it('refuses a timestamp that is not whole seconds', () => {
    expect(() => signWebhookBody({ secret, body, timestamp: 1.5 })).toThrow(RangeError);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhookBody({ secret, body, timestamp: t });

  it('accepts the signed body within the tolerance', () => {
    expect(verifyWebhookSignature({ header, body, secret, now })).toEqual({ valid: true, timestamp: t });
    expect(verifyWebhookSignature({ header, body: Buffer.from(body), secret, now })).toEqual({ valid: true, timestamp: t });
  });

  it('refuses a tampered body', () => {
    const tampered = body.replace('img_1', 'img_2');
    expect(verifyWebhookSignature({ header, body: tampered, secret, now })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses another secret', () => {
    expect(verifyWebhookSignature({ header, body, secret: `${secret}x`, now })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses a timestamp that was re-signed into the header without the secret', () => {
    const v1 = header.split('v1=')[1];
    const forged = `t=${t + 60},v1=${v1}`;
    expect(verifyWebhookSignature({ header: forged, body, secret, now })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('accepts exactly 5 minutes old and refuses a replay older than 5 minutes', () => {
    expect(verifyWebhookSignature({ header, body, secret, now: (t + 300) * 1000 }).valid).toBe(true);
    expect(verifyWebhookSignature({ header, body, secret, now: (t + 301) * 1000 })).toEqual({ valid: false, reason: 'expired' });
  });

  it('refuses a timestamp further in the future than the tolerance', () => {
    expect(verifyWebhookSignature({ header, body, secret, now: (t - 301) * 1000 })).toEqual({ valid: false, reason: 'future' });
  });

  it('honours a custom tolerance', () => {
    const check = verifyWebhookSignature({ header, body, secret, now: (t + 61) * 1000, toleranceSeconds: 60 });
    expect(check).toEqual({ valid: false, reason: 'expired' });
  });

  it('accepts any matching v1 (secret rotation)', () => {
    const old = signWebhookBody({ secret: 'old-secret-0123456789', body, timestamp: t }).split(',')[1];
    const rotated = `${header},${old}`;
    expect(verifyWebhookSignature({ header: rotated, body, secret, now }).valid).toBe(true);
    expect(verifyWebhookSignature({ header: rotated, body, secret: 'old-secret-0123456789', now }).valid).toBe(true);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['no signature', `t=${t}`],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['short signature', `t=${t},v1=abc`],
    ['non-numeric timestamp', `t=soon,v1=${'a'.repeat(64)}`],
    ['two timestamps', `t=${t},t=${t},v1=${'a'.repeat(64)}`],
    ['repeated header', [`t=${t},v1=${'a'.repeat(64)}`, `t=${t},v1=${'b'.repeat(64)}`]],
    ['overlong', `t=${t},${`v1=${'a'.repeat(64)},`.repeat(40)}`],
  ])('refuses a malformed header (%s)', (_name, value) => {
    expect(verifyWebhookSignature({ header: value, body, secret, now })).toEqual({ valid: false, reason: 'malformed' });
  });
});

describe('parseSignatureHeader', () => {
  it('ignores unknown schemes and spaces', () => {
    const v1 = 'c'.repeat(64);
    expect(parseSignatureHeader(`t=${t}, v0=dead, v1=${v1}`)).toEqual({ timestamp: t, signatures: [v1] });
  });
});
