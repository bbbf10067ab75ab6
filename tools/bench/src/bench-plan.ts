import type { Repetitions, Section } from './cli-args';
import { megapixels, type Photo, type PhotoRoles } from './photo-set';
import type { Job, Op, Profile, RunResult } from './scenario';

/** Who does the work: sharp through image-ops with a profile, or a peer. */
export const TOOLS = ['sharp-default', 'sharp-fast', 'pillow', 'imagemagick'] as const;
export type Tool = (typeof TOOLS)[number];

/** The sharp profile a tool stands for, or undefined for a peer. */
export const sharpProfile = (tool: Tool): Profile | undefined =>
  tool === 'sharp-default' ? 'default' : tool === 'sharp-fast' ? 'fast' : undefined;

/** Which photos a job's timing belongs to in the tables. */
export type Group = '13mp' | '24mp' | 'mixed' | `effort-${number}`;

/** A job with the group it is reported under. */
export interface PlannedJob extends Job {
  readonly group: Group;
}

/** One scenario: one tool, one operation, one concurrency, in one fresh process set. */
export interface ScenarioPlan {
  readonly id: string;
  readonly section: Exclude<Section, 'photos'>;
  readonly tool: Tool;
  readonly op: Op;
  readonly concurrency: number;
  readonly warmup: Job | undefined;
  readonly jobs: readonly PlannedJob[];
}

/** A scenario after the run: its result, or why it did not run. */
export interface ScenarioRecord extends ScenarioPlan {
  readonly result?: RunResult;
  readonly skipped?: string;
}

/** The WebP efforts of the curve (libwebp's `method`). */
export const EFFORTS = [0, 1, 2, 3, 4, 5, 6] as const;
/** Concurrencies of the throughput section. */
export const CONCURRENCIES = [1, 2] as const;

const repeat = (photo: Photo | undefined, group: Group, op: Op, times: number): PlannedJob[] =>
  photo === undefined ? [] : Array.from({ length: times }, () => ({ image: photo.file, op, group }));

/** The mixed set as the sections use it: the smallest `mixedLimit` photos if limited, largest first. */
export function mixedSet(roles: PhotoRoles, reps: Repetitions): readonly Photo[] {
  const bySize = [...roles.mixed].sort((a, b) => megapixels(a) - megapixels(b));
  const limited = reps.mixedLimit === undefined ? bySize : bySize.slice(0, reps.mixedLimit);
  // Largest first: a pass then ends on small photos, so the last job on one core leaves
  // the least idle time on the other at concurrency 2.
  return [...limited].sort((a, b) => megapixels(b) - megapixels(a));
}

/**
 * Lays out every scenario the chosen sections run, in order.
 *
 * - latency: each tool alone (concurrency 1) doing one operation on the ~13 MP JPEG, the
 *   ~24 MP photo and the mixed set; the full job on the mixed set only when the
 *   throughput section (whose concurrency-1 pass is exactly that) does not run.
 * - effort: sharp's WebP at quality 80 and each effort on the ~13 MP JPEG.
 * - throughput: every tool doing the full job over the mixed set at concurrency 1 and 2.
 */
export function planScenarios(
  sections: readonly Section[],
  roles: PhotoRoles,
  reps: Repetitions,
  peers: readonly Tool[],
): ScenarioPlan[] {
  const warmupJob = (op: Op, effort?: number): Job | undefined =>
    roles.warmup && { image: roles.warmup.file, op, ...(effort === undefined ? {} : { effort }) };
  const mixed = mixedSet(roles, reps);
  const plans: ScenarioPlan[] = [];
  if (sections.includes('latency')) {
    // Tool inside operation, so the runs compared with each other are close in time and
    // a change of load on the machine hits all tools alike.
    for (const op of ['webp', 'renditions', 'full'] as const) {
      for (const tool of ['sharp-default', ...peers] as const) {
        const mixedJobs = op === 'full' && sections.includes('throughput') ? [] : mixed.flatMap((p) => repeat(p, 'mixed', op, 1));
        plans.push({
          id: `latency/${tool}/${op}`,
          section: 'latency',
          tool,
          op,
          concurrency: 1,
          warmup: warmupJob(op),
          jobs: [...repeat(roles.thirteen, '13mp', op, reps.thirteen), ...repeat(roles.large, '24mp', op, reps.large), ...mixedJobs],
        });
      }
    }
  }
  if (sections.includes('effort') && roles.thirteen) {
    const photo = roles.thirteen;
    plans.push({
      id: 'effort/sharp-default/webp',
      section: 'effort',
      tool: 'sharp-default',
      op: 'webp',
      concurrency: 1,
      warmup: warmupJob('webp', 0),
      jobs: EFFORTS.flatMap((effort) =>
        Array.from({ length: reps.effort }, () => ({ image: photo.file, op: 'webp' as const, effort, group: `effort-${effort}` as const })),
      ),
    });
  }
  if (sections.includes('throughput') && mixed.length > 0) {
    for (const concurrency of CONCURRENCIES) {
      for (const tool of ['sharp-default', 'sharp-fast', ...peers] as const) {
        plans.push({
          id: `throughput/${tool}/c${concurrency}`,
          section: 'throughput',
          tool,
          op: 'full',
          concurrency,
          warmup: warmupJob('full'),
          jobs: Array.from({ length: reps.passes }, () => mixed.map((p) => ({ image: p.file, op: 'full' as const, group: 'mixed' as const }))).flat(),
        });
      }
    }
  }
  return plans;
}
