import { estimateLambdaCost, LAMBDA_ARM64_PRICE, ONE_VCPU_MEMORY_MB } from './cost-model';

describe('estimateLambdaCost', () => {
  it('prices one invocation at one vCPU from its CPU time, plus the request', () => {
    const estimate = estimateLambdaCost({ invocationCpuMs: [1200] });

    expect(estimate.memoryMb).toBe(ONE_VCPU_MEMORY_MB);
    expect(estimate.billedMsPerImage).toBe(1200);
    expect(estimate.gbSecondsPerImage).toBeCloseTo(1.2 * (1769 / 1024), 10);
    expect(estimate.computeUsdPerMillion).toBeCloseTo(1.2 * (1769 / 1024) * 0.0000133334 * 1e6, 6);
    expect(estimate.requestUsdPerMillion).toBe(0.2);
    expect(estimate.totalUsdPerMillion).toBeCloseTo(27.84, 2);
  });

  it('charges a request per invocation and bills each one in whole milliseconds', () => {
    const estimate = estimateLambdaCost({ invocationCpuMs: [900.2, 100.2] });

    expect(estimate.billedMsPerImage).toBe(901 + 101);
    expect(estimate.requestUsdPerMillion).toBeCloseTo(2 * LAMBDA_ARM64_PRICE.usdPerMillionRequests, 10);
  });

  it('keeps GB-seconds level below one vCPU, where the share of CPU shrinks with memory', () => {
    const full = estimateLambdaCost({ invocationCpuMs: [1000] });
    const half = estimateLambdaCost({ invocationCpuMs: [1000], memoryMb: 1769 / 2 });

    expect(half.billedMsPerImage).toBe(2000);
    expect(half.gbSecondsPerImage).toBeCloseTo(full.gbSecondsPerImage, 10);
  });

  it('costs more above one vCPU, since a busy thread runs no faster', () => {
    const full = estimateLambdaCost({ invocationCpuMs: [1000] });
    const double = estimateLambdaCost({ invocationCpuMs: [1000], memoryMb: 3538 });

    expect(double.billedMsPerImage).toBe(1000);
    expect(double.computeUsdPerMillion).toBeCloseTo(2 * full.computeUsdPerMillion, 6);
  });

  it('says whether the measured peak RSS fits the memory size', () => {
    const mb = 1024 * 1024;
    expect(estimateLambdaCost({ invocationCpuMs: [1], peakRssBytes: 600 * mb }).fitsMemory).toBe(true);
    expect(estimateLambdaCost({ invocationCpuMs: [1], peakRssBytes: 1800 * mb }).fitsMemory).toBe(false);
    expect(estimateLambdaCost({ invocationCpuMs: [1] }).fitsMemory).toBeUndefined();
  });

  it.each([
    [{ invocationCpuMs: [] }],
    [{ invocationCpuMs: [-1] }],
    [{ invocationCpuMs: [1], memoryMb: 64 }],
  ])('refuses %p', (input) => {
    expect(() => estimateLambdaCost(input)).toThrow(RangeError);
  });
});
