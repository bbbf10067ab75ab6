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
