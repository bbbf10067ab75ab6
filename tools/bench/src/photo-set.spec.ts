import { assignRoles, megapixels, PHOTO_CATALOGUE, type Photo } from './photo-set';

const photo = (name: string, width: number, height: number, format = 'jpeg'): Photo => ({
  file: `/cache/${name}`,
  name,
  origin: 'pkg 1.0',
  packagePath: `/usr/share/${name}`,
  format,
  width,
  height,
  bytes: 1,
});

describe('assignRoles', () => {
  const phone13 = photo('phone13', 3120, 4208); // 13.1 MP
  const dragonfly = photo('dragonfly', 4224, 3168); // 13.4 MP
  const png13 = photo('png13', 3000, 4333, 'png'); // 13.0 MP, not a JPEG
  const kleiber = photo('kleiber', 6028, 3391); // 20.4 MP
  const six = photo('six', 3088, 2056); // 6.3 MP
  const tiny = photo('tiny', 1365, 1074); // 1.5 MP
  const huge = photo('huge', 8000, 6000); // 48 MP

  it('takes the JPEG nearest 13 MP and the photo nearest 24 MP', () => {
    const roles = assignRoles([six, dragonfly, png13, phone13, kleiber, tiny]);

    expect(roles.thirteen?.name).toBe('phone13');
    expect(roles.large?.name).toBe('kleiber');
  });

  it('puts the 6-24 MP photos in the mixed set, in the order given', () => {
    const roles = assignRoles([tiny, kleiber, six, huge, phone13]);

    expect(roles.mixed.map((p) => p.name)).toEqual(['kleiber', 'six', 'phone13']);
  });

  it('warms up on the smallest photo under 6 MP, else the smallest there is', () => {
    expect(assignRoles([kleiber, tiny, six]).warmup?.name).toBe('tiny');
    expect(assignRoles([kleiber, six]).warmup?.name).toBe('six');
  });

  it('leaves a role empty when nothing could be fetched', () => {
    expect(assignRoles([])).toEqual({ thirteen: undefined, large: undefined, mixed: [], warmup: undefined });
  });
});

describe('PHOTO_CATALOGUE', () => {
  it('names each file once', () => {
    const paths = PHOTO_CATALOGUE.map((entry) => entry.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('computes megapixels from the dimensions', () => {
    expect(megapixels({ width: 6000, height: 4000 })).toBe(24);
  });
});
