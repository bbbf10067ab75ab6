import { originalKey } from '@imgpipe/platform';
import { decodeNotifiedKey, isKeySafeUserId, parseUploadKey } from './upload-key';

describe('parseUploadKey', () => {
  it('reads back the parts of a key originalKey built', () => {
    const key = originalKey('user-1', '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'café.jpg');
    expect(parseUploadKey(key)).toEqual({
      userId: 'user-1',
      imageId: '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      filename: 'café.jpg',
    });
  });

  it.each([
    ['compressed/user-1/img-1/full.webp', 'outside uploads/'],
    ['uploads/user-1/img-1', 'too few segments'],
    ['uploads/user-1/img-1/a/b.jpg', 'too many segments'],
    ['uploads/user-1/img-1/', 'no filename'],
    ['uploads/user-1/img 1/a.jpg', 'an image id with a space'],
    ['uploads/../img-1/a.jpg', 'a .. segment'],
    ['uploads/user-1/img-1/a\u0000.jpg', 'a control character'],
  ])('refuses %j (%s)', (key) => {
    expect(parseUploadKey(key)).toBeUndefined();
  });
});

describe('isKeySafeUserId', () => {
  it.each(['3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b', 'auth0|12345', 'google-oauth2|1', 'user@example.com'])(
    'accepts %j',
    (sub) => expect(isKeySafeUserId(sub)).toBe(true),
  );
  it.each(['', 'a/b', '..', '.hidden', 'with space', 'a'.repeat(129), 'tab\t'])('refuses %j', (sub) =>
    expect(isKeySafeUserId(sub)).toBe(false),
  );
});

describe('decodeNotifiedKey', () => {
  it('decodes a key URL-encoded the way S3 notifications encode it', () => {
    expect(decodeNotifiedKey('uploads/u/i/caf%C3%A9.jpg')).toBe('uploads/u/i/café.jpg');
    expect(decodeNotifiedKey('uploads/auth0%7C1/i/a.jpg')).toBe('uploads/auth0|1/i/a.jpg');
  });

  it('takes a key without escapes as it is (keys ingest grants never hold %)', () => {
    expect(decodeNotifiedKey('uploads/u/i/café.jpg')).toBe('uploads/u/i/café.jpg');
    expect(decodeNotifiedKey('uploads/a+b/i/x.jpg')).toBe('uploads/a+b/i/x.jpg');
  });

  it('keeps a key with a malformed escape as it is', () => {
    expect(decodeNotifiedKey('uploads/u/i/%E0%A4%A.jpg')).toBe('uploads/u/i/%E0%A4%A.jpg');
  });
});
