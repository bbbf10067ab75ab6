import { planScenarios, mixedSet } from './bench-plan';
import { FULL_REPS, QUICK_REPS } from './cli-args';
import type { Photo, PhotoRoles } from './photo-set';

const photo = (name: string, width: number, height: number): Photo => ({
  file: `/c/${name}`,
  name,
  origin: 'pkg 1',
  packagePath: `/usr/share/${name}`,
  format: 'jpeg',
  width,
  height,
  bytes: 1,
});

const p13 = photo('p13', 3120, 4208);
const p20 = photo('p20', 6028, 3391);
const p6 = photo('p6', 3088, 2056);
const p8 = photo('p8', 3264, 2448);
const tiny = photo('tiny', 1365, 1074);
const roles: PhotoRoles = { thirteen: p13, large: p20, mixed: [p6, p13, p8, p20], warmup: tiny };
const peers = ['pillow', 'imagemagick'] as const;

describe('mixedSet', () => {
  it('orders the mixed set largest first and keeps the smallest photos when limited', () => {
    expect(mixedSet(roles, FULL_REPS).map((p) => p.name)).toEqual(['p20', 'p13', 'p8', 'p6']);
    expect(mixedSet(roles, { ...QUICK_REPS, mixedLimit: 2 }).map((p) => p.name)).toEqual(['p8', 'p6']);
  });
});

describe('planScenarios', () => {
  it('runs sharp and each peer alone, operation by operation, in the latency section', () => {
    const plans = planScenarios(['photos', 'latency'], roles, FULL_REPS, peers);

    expect(plans.map((p) => p.id)).toEqual([
      'latency/sharp-default/webp',
      'latency/pillow/webp',
      'latency/imagemagick/webp',
      'latency/sharp-default/renditions',
      'latency/pillow/renditions',
      'latency/imagemagick/renditions',
      'latency/sharp-default/full',
      'latency/pillow/full',
      'latency/imagemagick/full',
    ]);
    expect(plans.every((p) => p.concurrency === 1)).toBe(true);
    const webp = plans[0];
    expect(webp?.jobs.filter((j) => j.group === '13mp')).toHaveLength(FULL_REPS.thirteen);
    expect(webp?.jobs.filter((j) => j.group === '24mp')).toHaveLength(FULL_REPS.large);
    expect(webp?.jobs.filter((j) => j.group === 'mixed')).toHaveLength(4);
    expect(webp?.warmup).toEqual({ image: '/c/tiny', op: 'webp' });
  });

  it('leaves the mixed full job to the throughput section when that runs', () => {
    const full = planScenarios(['latency', 'throughput'], roles, FULL_REPS, peers).find((p) => p.id === 'latency/pillow/full');

    expect(full?.jobs.some((j) => j.group === 'mixed')).toBe(false);
  });

  it('runs every effort on the ~13 MP JPEG for the curve', () => {
    const [curve] = planScenarios(['effort'], roles, FULL_REPS, peers);

    expect(curve?.jobs).toHaveLength(7 * FULL_REPS.effort);
    expect(new Set(curve?.jobs.map((j) => j.effort))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    expect(curve?.jobs.every((j) => j.image === '/c/p13' && j.op === 'webp')).toBe(true);
  });

  it('runs every tool and profile at concurrency 1, then at 2, over every pass of the mixed set', () => {
    const plans = planScenarios(['throughput'], roles, { ...FULL_REPS, passes: 2 }, peers);

    expect(plans.map((p) => `${p.tool}@${p.concurrency}`)).toEqual([
      'sharp-default@1',
      'sharp-fast@1',
      'pillow@1',
      'imagemagick@1',
      'sharp-default@2',
      'sharp-fast@2',
      'pillow@2',
      'imagemagick@2',
    ]);
    expect(plans[0]?.jobs.map((j) => j.image)).toEqual(['/c/p20', '/c/p13', '/c/p8', '/c/p6', '/c/p20', '/c/p13', '/c/p8', '/c/p6']);
  });

  it('plans nothing that needs a photo it does not have', () => {
    const none: PhotoRoles = { thirteen: undefined, large: undefined, mixed: [], warmup: undefined };

    expect(planScenarios(['effort', 'throughput'], none, FULL_REPS, peers)).toEqual([]);
  });
});
