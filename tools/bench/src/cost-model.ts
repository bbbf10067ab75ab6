/**
 * What a million images would cost on AWS Lambda (arm64), estimated from what the bench
 * measured here. Published on-demand prices, US East (N. Virginia), first pricing tier
 * (https://aws.amazon.com/lambda/pricing/): duration $0.0000133334 per GB-second for the
 * first 7.5 billion GB-seconds a month on arm64, requests $0.20 per million, duration
 * billed per 1 ms and memory in GB of 1024 MB. No free tier, no S3, Step Functions or
 * EventBridge charges: the image work alone.
 */
export const LAMBDA_ARM64_PRICE = {
  region: 'us-east-1',
  usdPerGbSecond: 0.0000133334,
  usdPerMillionRequests: 0.2,
} as const;

/** Lambda gives a function one full vCPU at 1769 MB; below it a proportional share. */
export const ONE_VCPU_MEMORY_MB = 1769;

/** One image's work as the Lambda functions that would do it. */
export interface CostInput {
  /**
   * CPU milliseconds (user + system, all threads) that each Lambda invocation spends on one
   * image: one entry for a single function doing the whole job, two for the compress and
   * thumbnail functions of the deployed state machine.
   */
  readonly invocationCpuMs: readonly number[];
  /** Peak resident memory measured for the work, to check it fits the memory size. */
  readonly peakRssBytes?: number;
  /** Configured memory in MB; defaults to {@link ONE_VCPU_MEMORY_MB}. */
  readonly memoryMb?: number;
}

/** The estimate and the assumptions it rests on. */
export interface CostEstimate {
  readonly memoryMb: number;
  /** Billed milliseconds per image, summed over the invocations. */
  readonly billedMsPerImage: number;
  readonly gbSecondsPerImage: number;
  readonly computeUsdPerMillion: number;
  readonly requestUsdPerMillion: number;
  readonly totalUsdPerMillion: number;
  /** Whether the measured peak RSS fits the memory size; undefined when not measured. */
  readonly fitsMemory: boolean | undefined;
}

const MB = 1024 * 1024;

/**
 * Estimates the Lambda cost per million images.
 *
 * The model: the work is CPU-bound, so an invocation lasts its measured CPU time when the
 * function has a full vCPU (one Lambda vCPU taken as one core of the benchmark machine:
 * an estimate, since the bench runs on whatever CPU it has and Lambda arm64 is Graviton).
 * Below 1769 MB the function gets a share of a vCPU and runs proportionally longer, so
 * GB-seconds stay the same down to the smallest memory that holds the peak RSS; above it,
 * one busy thread runs no faster, so more memory only costs more.
 *
 * @example
 * // 1.2 s of CPU in one 1769 MB invocation: 1.2 s x 1.7275 GB x $0.0000133334 + $0.20/M
 * estimateLambdaCost({ invocationCpuMs: [1200] }).totalUsdPerMillion; // ~27.84
 */
export function estimateLambdaCost(input: CostInput): CostEstimate {
  const memoryMb = input.memoryMb ?? ONE_VCPU_MEMORY_MB;
  if (!(memoryMb >= 128)) throw new RangeError(`Lambda memory ${memoryMb} MB is below 128 MB`);
  if (input.invocationCpuMs.length === 0) throw new RangeError('no invocations to price');
  const cpuShare = Math.min(memoryMb / ONE_VCPU_MEMORY_MB, 1);
  const billedMsPerImage = input.invocationCpuMs
    .map((cpuMs) => {
      if (!(cpuMs >= 0)) throw new RangeError(`negative CPU time ${cpuMs} ms`);
      return Math.ceil(cpuMs / cpuShare);
    })
    .reduce((sum, ms) => sum + ms, 0);
  const gbSecondsPerImage = (billedMsPerImage / 1000) * (memoryMb / 1024);
  const computeUsdPerMillion = gbSecondsPerImage * LAMBDA_ARM64_PRICE.usdPerGbSecond * 1e6;
  const requestUsdPerMillion = input.invocationCpuMs.length * LAMBDA_ARM64_PRICE.usdPerMillionRequests;
  return {
    memoryMb,
    billedMsPerImage,
    gbSecondsPerImage,
    computeUsdPerMillion,
    requestUsdPerMillion,
    totalUsdPerMillion: computeUsdPerMillion + requestUsdPerMillion,
    fitsMemory: input.peakRssBytes === undefined ? undefined : input.peakRssBytes <= memoryMb * MB,
  };
}

/** Lambda's largest memory size, where it gives 6 vCPUs. */
export const MAX_LAMBDA_MEMORY_MB = 10_240;

/**
 * The vCPUs Lambda shows a function of `memoryMb` (what `os.availableParallelism()` and
 * libvips see, so how many threads sharp runs): one per started 1769 MB, at most 6. The CPU
 * time it may use is still proportional to memory: `memoryMb / 1769` vCPU-seconds a second.
 */
export function lambdaVcpus(memoryMb: number): number {
  return Math.min(6, Math.max(1, Math.ceil(memoryMb / ONE_VCPU_MEMORY_MB)));
}

/** One invocation's work: CPU time, and how much of it libvips spreads over its threads. */
export interface ThreadedWork {
  /** CPU milliseconds (all threads) the work takes, as the bench measures it. */
  readonly cpuMs: number;
  /** The share of `cpuMs` that runs on every libvips thread at once (Amdahl's p, 0..1). */
  readonly parallelFraction: number;
}

/** What one threaded invocation takes at a memory size, and what it costs. */
export interface ThreadedEstimate {
  readonly memoryMb: number;
  /** libvips threads: the vCPUs Lambda shows ({@link lambdaVcpus}). */
  readonly threads: number;
  readonly wallMs: number;
  readonly usdPerInvocation: number;
}

/**
 * Extends {@link estimateLambdaCost}'s model to libvips' threads: the serial part of the work
 * runs on one thread at up to one vCPU, the parallel part on `threads` threads at the CPU
 * share the memory buys (`memoryMb / 1769` vCPUs, at most `threads`). So memory above
 * 1769 MB shortens only the parallel part, and costs GB-seconds on the serial part.
 *
 * @example
 * // 2 s of CPU, 60 % parallel: at 3008 MB (2 threads, 1.7 vCPU) 0.8 s + 1.2/1.7 s
 * estimateThreadedInvocation({ cpuMs: 2000, parallelFraction: 0.6 }, 3008).wallMs; // ~1506
 */
export function estimateThreadedInvocation(work: ThreadedWork, memoryMb: number): ThreadedEstimate {
  if (!(memoryMb >= 128 && memoryMb <= MAX_LAMBDA_MEMORY_MB)) throw new RangeError(`Lambda memory ${memoryMb} MB is outside 128..10240 MB`);
  if (!(work.cpuMs >= 0)) throw new RangeError(`negative CPU time ${work.cpuMs} ms`);
  if (!(work.parallelFraction >= 0 && work.parallelFraction <= 1)) throw new RangeError(`parallel fraction ${work.parallelFraction} outside 0..1`);
  const vcpuShare = memoryMb / ONE_VCPU_MEMORY_MB;
  const threads = lambdaVcpus(memoryMb);
  const serialMs = (work.cpuMs * (1 - work.parallelFraction)) / Math.min(1, vcpuShare);
  const parallelMs = (work.cpuMs * work.parallelFraction) / Math.min(threads, vcpuShare);
  const wallMs = Math.ceil(serialMs + parallelMs);
  const usdPerInvocation = (wallMs / 1000) * (memoryMb / 1024) * LAMBDA_ARM64_PRICE.usdPerGbSecond + LAMBDA_ARM64_PRICE.usdPerMillionRequests / 1e6;
  return { memoryMb, threads, wallMs, usdPerInvocation };
}
