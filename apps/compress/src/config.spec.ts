import { GALLERY_RENDITION_SET, MARKETPLACE_RENDITION_SET } from '@imgpipe/image-ops';
import { loadCompressConfig } from './config';

const BASE = { AWS_REGION: 'us-east-1', ORIGINALS_BUCKET: 'originals', PROCESSED_BUCKET: 'processed' };

/** Issue 13: compress makes the rendition set's large renditions, so it reads the set the thumbnail task reads. */
describe('loadCompressConfig: the rendition set', () => {
  it('reads RENDITION_SET and THUMBNAIL_BACKGROUND as the thumbnail task does, gallery and white by default', () => {
    expect(loadCompressConfig(BASE)).toMatchObject({ renditionSet: GALLERY_RENDITION_SET, background: '#ffffff' });
    expect(loadCompressConfig({ ...BASE, RENDITION_SET: 'marketplace', THUMBNAIL_BACKGROUND: '#102030' })).toMatchObject({
      renditionSet: MARKETPLACE_RENDITION_SET,
      background: '#102030',
    });
  });

  it('refuses a bad set or background, naming the variable', () => {
    expect(() => loadCompressConfig({ ...BASE, THUMBNAIL_BACKGROUND: 'red' })).toThrow(/THUMBNAIL_BACKGROUND/);
    expect(() => loadCompressConfig({ ...BASE, RENDITION_SET: '{"name":"x","renditions":{"a":{"width":0,"height":1}}}' })).toThrow(
      /RENDITION_SET/,
    );
  });
});
