import { buildUploadForm, decodeXmlText, parseStorageError } from './storage-upload';

describe('parseStorageError', () => {
  it('reads the code and message of an S3 error document, entities decoded', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed: [&quot;eq&quot;, &quot;$Content-Type&quot;, &quot;image/png&quot;] &amp; more</Message><RequestId>1</RequestId></Error>';

    const error = parseStorageError(403, xml);

    expect(error).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"] & more',
    });
  });

  it('reads EntityTooLarge', () => {
    const error = parseStorageError(400, '<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>');
    expect(error.code).toBe('EntityTooLarge');
  });

  it('says the status when the body is not an S3 error', () => {
    expect(parseStorageError(500, 'Internal Server Error')).toMatchObject({ code: 'HTTP_500', message: 'Storage refused the upload (HTTP 500).' });
  });
});

describe('decodeXmlText', () => {
  it('decodes numeric references and leaves unknown or invalid ones', () => {
    expect(decodeXmlText('&#233;&#x41;&bogus;&#0;')).toBe('éA&bogus;&#0;');
  });
});

describe('buildUploadForm', () => {
  it('sends every field in the grant order, then the file last as `file`', async () => {
    const fields = { key: 'uploads/u/i/a.jpg', 'Content-Type': 'image/jpeg', Policy: 'p', 'X-Amz-Signature': 's' };
    const form = buildUploadForm(fields, new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' }), 'a.jpg');

    const entries = [...form.entries()];
    expect(entries.map(([name]) => name)).toEqual(['key', 'Content-Type', 'Policy', 'X-Amz-Signature', 'file']);
    expect(entries.slice(0, 4).map(([, value]) => value)).toEqual(['uploads/u/i/a.jpg', 'image/jpeg', 'p', 's']);
    const file = entries[4]?.[1] as File;
    expect(file.name).toBe('a.jpg');
    expect(file.size).toBe(3);
  });
});
