import { Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';

/**
 * The pipeline's one rendition set (issue 13): the thumbnail function makes its small
 * renditions, compress the large ones from its full-size decode, and ingest stamps the set's
 * version on `ImageUploaded`, which the record checks both shares against. So all three must be
 * handed the same `RENDITION_SET` (and the two that encode, the same `THUMBNAIL_BACKGROUND`):
 * one setting of the app, `imgpipe:renditionSet` / `imgpipe:thumbnailBackground`.
 */
const INLINE_SET = JSON.stringify({
  name: 'shop',
  renditions: { tile: { width: 300, height: 300, fit: 'cover' }, zoom: { width: 2000, height: 2000, fit: 'inside' } },
});

/** Each imgpipe function's environment, by its service (`POWERTOOLS_SERVICE_NAME`). */
function variablesByService(stack: Stack): Array<{ service: string; variables: Record<string, unknown> }> {
  return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).flatMap((resource) => {
    const variables = (resource['Properties'] as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {};
    const service = variables['POWERTOOLS_SERVICE_NAME'];
    return typeof service === 'string' ? [{ service, variables }] : [];
  });
}

function only(stack: Stack, service: string): Record<string, unknown> {
  const found = variablesByService(stack).filter((f) => f.service === service);
  if (found.length !== 1) throw new Error(`expected one ${service} function in ${stack.stackName}, found ${found.length}`);
  return (found[0] as { variables: Record<string, unknown> }).variables;
}

describe.each([
  { set: 'marketplace', background: '#000000' },
  { set: INLINE_SET, background: '#102030' },
])('a configured rendition set ($set)', ({ set, background }) => {
  const stacks = buildApp(testApp({ 'imgpipe:renditionSet': set, 'imgpipe:thumbnailBackground': background }), { nag: false });

  it('reaches the Compress function as the Thumbnail function gets it, background included', () => {
    const thumbnail = only(stacks.thumbnail, 'thumbnail');
    const compress = only(stacks.compress, 'compress');

    expect(thumbnail['RENDITION_SET']).toBe(set);
    expect(compress['RENDITION_SET']).toBe(thumbnail['RENDITION_SET']);
    expect(thumbnail['THUMBNAIL_BACKGROUND']).toBe(background);
    expect(compress['THUMBNAIL_BACKGROUND']).toBe(thumbnail['THUMBNAIL_BACKGROUND']);
  });

  it('reaches both ingest functions, so ImageUploaded carries that set’s version', () => {
    const ingest = variablesByService(stacks.ingest).filter((f) => f.service === 'ingest');

    expect(ingest).toHaveLength(2);
    for (const { variables } of ingest) expect(variables['RENDITION_SET']).toBe(set);
  });

  it('is not handed to the AVIF step, which makes no rendition', () => {
    const avif = only(stacks.compress, 'avif');

    expect(avif).not.toHaveProperty('RENDITION_SET');
    expect(avif).not.toHaveProperty('THUMBNAIL_BACKGROUND');
  });
});

describe('no rendition set configured', () => {
  it('sets RENDITION_SET on none of them, so every function takes the services’ one default', () => {
    const stacks = buildApp(testApp(), { nag: false });
    const all = [stacks.thumbnail, stacks.compress, stacks.ingest].flatMap(variablesByService);

    expect(all.map((f) => f.service).sort()).toEqual(['avif', 'compress', 'ingest', 'ingest', 'thumbnail']);
    for (const { variables } of all) {
      expect(variables).not.toHaveProperty('RENDITION_SET');
      expect(variables).not.toHaveProperty('THUMBNAIL_BACKGROUND');
    }
  });
});
