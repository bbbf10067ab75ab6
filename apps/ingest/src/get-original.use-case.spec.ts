import { attachmentDisposition } from './get-original.use-case';

describe('attachmentDisposition: the Content-Disposition of an original download (RFC 6266, RFC 8187 filename*)', () => {
  it('names a plain file once, as ASCII and as UTF-8', () => {
    expect(attachmentDisposition('holiday.jpg')).toBe(`attachment; filename="holiday.jpg"; filename*=UTF-8''holiday.jpg`);
  });

  it('keeps a non-ASCII name in filename* and gives old clients an ASCII one', () => {
    expect(attachmentDisposition('Ærøskøbing 海.heic')).toBe(
      `attachment; filename="_r_sk_bing_.heic"; filename*=UTF-8''%C3%86r%C3%B8sk%C3%B8bing_%E6%B5%B7.heic`,
    );
  });

  it.each([
    ['a header injection', 'a.jpg\r\nSet-Cookie: x=1', `attachment; filename="a.jpgSet-Cookie_x_1"; filename*=UTF-8''a.jpgSet-Cookie_x_1`],
    ['quotes and parameters', 'x"; filename="evil.html', `attachment; filename="x_filename_evil.html"; filename*=UTF-8''x_filename_evil.html`],
    ['a path', '../../etc/passwd', `attachment; filename="passwd"; filename*=UTF-8''passwd`],
    ['a bidi override', 'photo\u202Egpj.exe', `attachment; filename="photogpj.exe"; filename*=UTF-8''photogpj.exe`],
    ["RFC 8187's reserved characters", "it's (1)*.png", `attachment; filename="it_s_1.png"; filename*=UTF-8''it_s_1.png`],
    ['nothing usable', '\u0000', `attachment; filename="file"; filename*=UTF-8''file`],
  ])('sanitises %s', (_what, name, expected) => {
    const header = attachmentDisposition(name);
    expect(header).toBe(expected);
    // One line, one filename and one filename* parameter, whatever the input.
    // eslint-disable-next-line no-control-regex
    expect(header).not.toMatch(/[\r\n\u0000-\u001f\u007f]/);
    expect(header.match(/; filename=/g)).toHaveLength(1);
    expect(header.match(/; filename\*=/g)).toHaveLength(1);
  });
});
