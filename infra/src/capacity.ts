/**
 * The capacity table of docs/deploy.md, derived from the configured limits (infra/cdk.json's
 * context through `readInfraConfig`, and the state machine's own retry policy), with the
 * checks that say whether they hold the design's load: 1M images a day and a burst of 1,000
 * concurrent uploads. `npm run capacity -w infra` prints it; infra/src/capacity.spec.ts
 * runs it, so a limit change that breaks the burst fails a test, and holds the docs to it.
 *
 * Hand-written arithmetic on purpose: the figures are a model (stated below, each with where it
 * comes from), not a measurement. Confirm them after a deploy with Lambda Power Tuning and the
 * REPORT lines (docs/deploy.md, "Capacity").
 */
import { App } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPRESS_MEMORY_MB } from '@imgpipe/compress-infra';
import { readInfraConfig, type CapacityConfig } from '@imgpipe/infra-shared';
import { THUMBNAIL_MEMORY_MB } from '@imgpipe/thumbnail-infra';
import { INVOKE_REFUSED_ERRORS, loadPipelineDefinition, pipelineWorstCase, EXPRESS_EXECUTION_LIMIT_SECONDS } from '@imgpipe/workflow';

/** The design's load (DESIGN.md, issue 12). */
export const LOAD = { imagesPerDay: 1_000_000, burstUploads: 1_000 } as const;

/**
 * What a step of a 24 MP photo (the large end) takes, from measurement on the bench's 2-core
 * machine (one core taken as one Lambda vCPU; confirm on Lambda with Power Tuning, docs/deploy.md).
 * Since issue 13 item 3 the thumbnail task makes only the rendition set's small renditions and
 * compress the large ones (the gallery's 1600 px `display`) from its full-size decode:
 * - compress (decode, the full-size WebP and the JPEG fallback it also encodes by default, the
 *   `display` rendition in JPEG and WebP at effort 2): 4.6 s at 2048 MB. tools/bench memory-choice
 *   `--measure` on the bench's 13.4 MP photo, 2026-12-06 03:27-03:30 UTC, load ~2: 204, 198 and 215
 *   CPU ms per MP, parallel fraction 0.07, 0.16 and 0.21; the lowest CPU with the highest fraction
 *   at Lambda's CPU share for the memory, as before, gives 4.62 s. The local runtime's compress
 *   task (tools/local scripts/bench-latency, 13 MP, 5 runs, 03:31 UTC) took a median 2.49 s on two
 *   whole cores, x 24 / 13 = 4.6 s. What the split itself adds was measured interleaved in one
 *   session (compress with and without `display`, 7 medians each): 170 -> 179 CPU ms per MP, about
 *   +5 %, within the run-to-run spread; the rest of the rise from the 4.1 s this said before (195
 *   and 181 ms per MP, 2026-12-05) is that spread.
 * - thumbnail (read, decode at 1/4 scale, placeholder, four renditions in JPEG and WebP at effort
 *   2, eight puts): the local runtime's thumbnail task, alone on the cores as on its own Lambda
 *   (thumbnails first), took a median 273 ms (253-350) for a 13 MP JPEG in the same bench-latency
 *   run, x 24 / 13 = 0.5 s; it took 423 ms before the split (22:24 UTC the day before) and ~720 ms
 *   beside compress before thumbnails-first, which gave the 1.3 s this said before. The memory
 *   table's image work alone (23 CPU ms per MP) gives 0.48 s; capacity.spec holds the model to it.
 */
const STEP_SECONDS_24MP = { compress: 4.6, thumbnail: 0.5 } as const;
/** Recording and publishing after the slower branch (RecordMetadata, PublishProcessed): ~0.5 s. */
const RECORD_AND_PUBLISH_SECONDS = 0.5;

/**
 * The per-image model. Durations are of a 24 MP photo (the large end) at the functions' memory
 * (the constructs' own `COMPRESS_MEMORY_MB`/`THUMBNAIL_MEMORY_MB`): compress and thumbnail as
 * measured ({@link STEP_SECONDS_24MP}); the record tasks and the API a few DynamoDB round trips.
 */
export const MODEL = {
  compressSeconds: STEP_SECONDS_24MP.compress,
  compressMemoryGb: COMPRESS_MEMORY_MB / 1024,
  thumbnailSeconds: STEP_SECONDS_24MP.thumbnail,
  thumbnailMemoryGb: THUMBNAIL_MEMORY_MB / 1024,
  recordSeconds: 0.2,
  recordMemoryGb: 0.5,
  validatorSeconds: 0.2,
  validatorMemoryGb: 0.5,
  apiSeconds: 0.2,
  apiMemoryGb: 0.5,
  /** API calls an upload costs: the grant, then one list call when its outcome arrives. */
  apiCallsPerUpload: 2,
  /** A burst's grants arrive within this window (people pressing "upload" at once). */
  burstArrivalSeconds: 1,
  /** An execution end to end: the slowest branch plus recording and publishing. */
  executionSeconds: Math.max(STEP_SECONDS_24MP.compress, STEP_SECONDS_24MP.thumbnail) + RECORD_AND_PUBLISH_SECONDS,
  /** Events of an image's history the bus consumer appends (ImageUploaded, ImageProcessed). */
  busEventsPerImage: 2,
  /** Lambda invocations an image costs: validator, compress, thumbnail, record, the bus consumer's, notify. */
  invocationsPerImage: 7,
  /** Lambda's default account concurrency, and what it must keep unreserved. */
  accountConcurrency: 1_000,
  unreservedMinimum: 100,
} as const;

/** us-east-1 prices (USD), arm64. */
export const PRICES = {
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  expressRequest: 1 / 1e6,
  /** Express duration, per GB-second, billed in 64 MB: the pipeline's state is far under 64 MB. */
  expressGbSecond: 0.00001667,
} as const;

export interface CapacityRow {
  readonly scenario: string;
  readonly apiRps: number;
  readonly concurrentExecutions: number;
  readonly compressConcurrency: number;
  readonly thumbnailConcurrency: number;
  readonly apiConcurrency: number;
  readonly drainSeconds: number;
  readonly costUsd: number;
}

export interface CapacityCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface CapacityReport {
  readonly rows: readonly CapacityRow[];
  readonly checks: readonly CapacityCheck[];
  readonly costPerImageUsd: number;
  /** The expected time the Compress/Thumbnail throttle retries wait in all (full jitter: half of each capped backoff). */
  readonly throttleRideOutSeconds: number;
  readonly worstCaseExecutionSeconds: number;
}

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly BackoffRate?: number;
  readonly MaxAttempts?: number;
  readonly MaxDelaySeconds?: number;
}

type StateLike = { Retry?: Retrier[]; Branches?: { States: Record<string, StateLike> }[] };

/** Every state of the definition, branches included, by name. */
function flatStates(states: Record<string, StateLike>): Map<string, StateLike> {
  const out = new Map<string, StateLike>();
  for (const [name, state] of Object.entries(states)) {
    out.set(name, state);
    for (const branch of state.Branches ?? []) for (const [n, st] of flatStates(branch.States)) out.set(n, st);
  }
  return out;
}

/** The throttle retrier of a Task state of the definition (the one matching only refused invokes). */
function throttleRetrier(taskName: string): Retrier {
  const task = flatStates(loadPipelineDefinition().States as unknown as Record<string, StateLike>).get(taskName);
  const retrier = task?.Retry?.find((r) => r.ErrorEquals.every((e) => (INVOKE_REFUSED_ERRORS as readonly string[]).includes(e)));
  if (!retrier) throw new Error(`${taskName} has no retrier for ${INVOKE_REFUSED_ERRORS.join(', ')}`);
  return retrier;
}

/** Full jitter waits uniformly up to each capped backoff: the expected total is half their sum. */
function expectedRideOutSeconds(retrier: Retrier): number {
  let total = 0;
  for (let k = 0; k < (retrier.MaxAttempts ?? 3); k += 1) {
    total += Math.min((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** k, retrier.MaxDelaySeconds ?? Infinity) / 2;
  }
  return total;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The table and its checks for `capacity`. */
export function capacityReport(capacity: CapacityConfig): CapacityReport {
  const m = MODEL;
  const lambdaCost =
    m.compressSeconds * m.compressMemoryGb +
    m.thumbnailSeconds * m.thumbnailMemoryGb +
    (1 + m.busEventsPerImage) * m.recordSeconds * m.recordMemoryGb + // RecordMetadata and the bus consumer
    m.recordSeconds * m.recordMemoryGb + // notify
    m.validatorSeconds * m.validatorMemoryGb +
    m.apiCallsPerUpload * m.apiSeconds * m.apiMemoryGb;
  const costPerImageUsd =
    lambdaCost * PRICES.lambdaGbSecond +
    (m.invocationsPerImage + m.apiCallsPerUpload) * PRICES.lambdaRequest +
    PRICES.expressRequest +
    m.executionSeconds * 0.0625 * PRICES.expressGbSecond;

  const steadyRate = LOAD.imagesPerDay / 86_400;
  const burstRate = LOAD.burstUploads / m.burstArrivalSeconds;
  const drain = (reserved: number, seconds: number) => round(Math.ceil(LOAD.burstUploads / reserved) * seconds);
  const rows: CapacityRow[] = [
    {
      scenario: `${LOAD.imagesPerDay.toLocaleString('en-US')} images/day, steady`,
      apiRps: round(steadyRate * m.apiCallsPerUpload),
      concurrentExecutions: Math.ceil(steadyRate * m.executionSeconds),
      compressConcurrency: Math.ceil(steadyRate * m.compressSeconds),
      thumbnailConcurrency: Math.ceil(steadyRate * m.thumbnailSeconds),
      apiConcurrency: Math.ceil(steadyRate * m.apiCallsPerUpload * m.apiSeconds),
      drainSeconds: 0,
      costUsd: round(costPerImageUsd * LOAD.imagesPerDay, 0),
    },
    {
      scenario: `burst of ${LOAD.burstUploads.toLocaleString('en-US')} uploads`,
      apiRps: burstRate,
      concurrentExecutions: LOAD.burstUploads,
      compressConcurrency: Math.min(LOAD.burstUploads, capacity.compressReservedConcurrency),
      thumbnailConcurrency: Math.min(LOAD.burstUploads, capacity.thumbnailReservedConcurrency),
      apiConcurrency: Math.ceil(burstRate * m.apiSeconds),
      drainSeconds: Math.max(drain(capacity.compressReservedConcurrency, m.compressSeconds), drain(capacity.thumbnailReservedConcurrency, m.thumbnailSeconds)),
      costUsd: round(costPerImageUsd * LOAD.burstUploads, 2),
    },
  ];
  const [steady, burst] = rows as [CapacityRow, CapacityRow];

  const rideOut = Math.min(expectedRideOutSeconds(throttleRetrier('Compress')), expectedRideOutSeconds(throttleRetrier('Thumbnail')));
  const worst = pipelineWorstCase(loadPipelineDefinition()).seconds;
  const reserved = capacity.apiReservedConcurrency + capacity.compressReservedConcurrency + capacity.thumbnailReservedConcurrency;
  const checks: CapacityCheck[] = [
    {
      name: 'the stage admits the burst',
      ok: capacity.apiBurstLimit >= LOAD.burstUploads && capacity.uploadsRouteBurstLimit >= LOAD.burstUploads,
      detail: `burst ${LOAD.burstUploads} grants; stage burst ${capacity.apiBurstLimit}, POST /uploads burst ${capacity.uploadsRouteBurstLimit}`,
    },
    {
      name: 'the stage rate carries the steady load 10x over',
      ok: capacity.apiRateLimit >= 10 * steady.apiRps,
      detail: `steady ${steady.apiRps} rps; stage ${capacity.apiRateLimit} rps`,
    },
    {
      name: 'the API function has the concurrency for the burst',
      ok: capacity.apiReservedConcurrency >= burst.apiConcurrency,
      detail: `burst needs ${burst.apiConcurrency} (${burstRate} rps x ${m.apiSeconds} s); reserved ${capacity.apiReservedConcurrency}`,
    },
    {
      name: 'throttle retries outlast the burst',
      ok: burst.drainSeconds <= rideOut,
      detail: `compress/thumbnail drain the burst in ${burst.drainSeconds} s at their reserved concurrency; throttle retries wait ${round(rideOut)} s (expected, full jitter)`,
    },
    {
      name: 'the reservations fit the account',
      ok: reserved + m.unreservedMinimum <= m.accountConcurrency,
      detail: `reserved ${reserved} + ${m.unreservedMinimum} unreserved <= ${m.accountConcurrency} (Lambda's default account limit)`,
    },
    {
      name: 'no run outlives the Express limit',
      ok: worst < EXPRESS_EXECUTION_LIMIT_SECONDS,
      detail: `worst case ${worst} s < ${EXPRESS_EXECUTION_LIMIT_SECONDS} s (libs/workflow asl-budget)`,
    },
  ];
  return { rows, checks, costPerImageUsd, throttleRideOutSeconds: rideOut, worstCaseExecutionSeconds: worst };
}

/** The report as the markdown docs/deploy.md carries between its capacity markers. */
export function capacityMarkdown(report: CapacityReport): string {
  const lines = [
    '| scenario | API rps | concurrent executions | compress concurrency | thumbnail concurrency | API concurrency | burst drained in | Lambda + Step Functions cost |',
    '|---|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.scenario} | ${r.apiRps} | ${r.concurrentExecutions} | ${r.compressConcurrency} | ${r.thumbnailConcurrency} | ${r.apiConcurrency} | ${r.drainSeconds ? `${r.drainSeconds} s` : '-'} | $${r.costUsd} |`,
    ),
    '',
    `Cost per image: $${report.costPerImageUsd.toFixed(5)} (Lambda arm64 and Express only; S3, DynamoDB, CloudFront and data transfer come on top).`,
    '',
    ...report.checks.map((c) => `- ${c.ok ? 'holds' : 'FAILS'}: ${c.name} (${c.detail})`),
  ];
  return lines.join('\n');
}

/** The configured capacity, as `cdk synth` would read it from infra/cdk.json (plus `overrides`). */
export function configuredCapacity(overrides: Record<string, unknown> = {}): CapacityConfig {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return readInfraConfig(new App({ context: { ...cdkJson.context, ...overrides } }).node).capacity;
}

if (require.main === module) {
  const report = capacityReport(configuredCapacity());
  process.stdout.write(`${capacityMarkdown(report)}\n`);
  process.exitCode = report.checks.every((c) => c.ok) ? 0 : 1;
}
