/** Images per second at concurrency 1 and 2; missing where not measured. */
export interface Rates {
  readonly c1?: number;
  readonly c2?: number;
}

/** The measurements the targets are judged on. */
export interface TargetInput {
  /** sharp default profile: median ms of the renditions alone on the ~13 MP JPEG. */
  readonly renditions13MedianMs?: number;
  readonly sharpDefault: Rates;
  readonly sharpFast: Rates;
  readonly pillow: Rates;
  /** Peak RSS of each sharp profile's concurrency-2 run, bytes. */
  readonly peakRssC2Bytes: readonly number[];
}

export type TargetStatus = 'met' | 'not met' | 'not measured';

/** One target, what was measured and whether it is met. */
export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly status: TargetStatus;
}

/** The numbers. */
export const TARGETS = {
  renditions13Ms: 120,
  defaultVsPillow: 0.9,
  fastVsPillow: 1.5,
  peakRssC2Mb: 600,
} as const;

const MB = 1024 * 1024;

function rateCheck(name: string, sharp: number | undefined, pillow: number | undefined, atLeast: number): TargetCheck {
  const target = `>= ${atLeast.toFixed(2)}x Pillow's images/s`;
  if (sharp === undefined || pillow === undefined || pillow === 0) {
    return { name, target, measured: pillow === undefined ? 'Pillow not measured' : 'sharp not measured', status: 'not measured' };
  }
  const ratio = sharp / pillow;
  return {
    name,
    target,
    measured: `${ratio.toFixed(2)}x (${sharp.toFixed(2)} vs ${pillow.toFixed(2)} img/s)`,
    status: ratio >= atLeast ? 'met' : 'not met',
  };
}

/**
 * Judges the measurements against the targets: renditions under 120 ms median
 * for a 13 MP JPEG; the default profile within 10% of the Pillow seed code's images/s at
 * concurrency 1 and 2; the fast profile at least 1.5x Pillow's; peak RSS under 600 MB
 * at concurrency 2. A target whose inputs were not measured says so rather than passing.
 */
export function checkTargets(input: TargetInput): TargetCheck[] {
  const rss = input.peakRssC2Bytes.length > 0 ? Math.max(...input.peakRssC2Bytes) : undefined;
  return [
    input.renditions13MedianMs === undefined
      ? { name: 'renditions, ~13 MP JPEG', target: `< ${TARGETS.renditions13Ms} ms median`, measured: '-', status: 'not measured' }
      : {
          name: 'renditions, ~13 MP JPEG',
          target: `< ${TARGETS.renditions13Ms} ms median`,
          measured: `${input.renditions13MedianMs.toFixed(0)} ms`,
          status: input.renditions13MedianMs < TARGETS.renditions13Ms ? 'met' : 'not met',
        },
    rateCheck('default vs Pillow, concurrency 1', input.sharpDefault.c1, input.pillow.c1, TARGETS.defaultVsPillow),
    rateCheck('default vs Pillow, concurrency 2', input.sharpDefault.c2, input.pillow.c2, TARGETS.defaultVsPillow),
    rateCheck('fast vs Pillow, concurrency 1', input.sharpFast.c1, input.pillow.c1, TARGETS.fastVsPillow),
    rateCheck('fast vs Pillow, concurrency 2', input.sharpFast.c2, input.pillow.c2, TARGETS.fastVsPillow),
    rss === undefined
      ? { name: 'peak RSS, concurrency 2', target: `< ${TARGETS.peakRssC2Mb} MB`, measured: '-', status: 'not measured' }
      : {
          name: 'peak RSS, concurrency 2',
          target: `< ${TARGETS.peakRssC2Mb} MB`,
          measured: `${(rss / MB).toFixed(0)} MB (largest of the sharp runs)`,
          status: rss < TARGETS.peakRssC2Mb * MB ? 'met' : 'not met',
        },
  ];
}
