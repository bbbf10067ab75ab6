import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateThreadedInvocation, lambdaVcpus } from './cost-model';
import { chooseMemory, MEASURED_WORK, memoryTable, renderMemoryChoice, STEP_LATENCY_BUDGET_MS } from './memory-choice';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

describe('the threaded Lambda model', () => {
  it('shows one vCPU per started 1769 MB (libvips threads), at most 6', () => {
    expect([1024, 1769, 2048, 3008, 3538, 4096, 10240].map(lambdaVcpus)).toEqual([1, 1, 2, 2, 2, 3, 6]);
  });

  it('shortens only the parallel part with more memory, so serial work costs more and runs no faster', () => {
    const serial = { cpuMs: 2000, parallelFraction: 0 };
    expect(estimateThreadedInvocation(serial, 2048).wallMs).toBe(2000);
    expect(estimateThreadedInvocation(serial, 4096).wallMs).toBe(2000);
    expect(estimateThreadedInvocation(serial, 4096).usdPerInvocation).toBeGreaterThan(estimateThreadedInvocation(serial, 2048).usdPerInvocation);
    const parallel = { cpuMs: 2000, parallelFraction: 1 };
    expect(estimateThreadedInvocation(parallel, 3008).wallMs).toBe(Math.ceil(2000 / (3008 / 1769)));
    expect(estimateThreadedInvocation(parallel, 4096).wallMs).toBe(Math.ceil(2000 / (4096 / 1769)));
  });

  it('refuses a memory size Lambda does not offer, and a fraction outside 0..1', () => {
    expect(() => estimateThreadedInvocation({ cpuMs: 1, parallelFraction: 0 }, 64)).toThrow(RangeError);
    expect(() => estimateThreadedInvocation({ cpuMs: 1, parallelFraction: 1.5 }, 2048)).toThrow(RangeError);
  });
});

describe('the memory choice for compress and thumbnail', () => {
  const rows = memoryTable();

  it('prices 13 MP and 24 MP at 2048, 3008 and 4096 MB for both functions', () => {
    expect(rows).toHaveLength(2 * 2 * 3);
  });

  it('picks the cheapest size within the 24 MP latency budget, and the same with no parallel work at all', () => {
    for (const fn of ['compress', 'thumbnail'] as const) {
      const chosen = chooseMemory(rows, fn);
      const row = rows.find((r) => r.fn === fn && r.megapixels === 24 && r.memoryMb === chosen);
      expect(row?.latencyMs).toBeLessThanOrEqual(STEP_LATENCY_BUDGET_MS);
      const serialOnly = { ...MEASURED_WORK, [fn]: { ...MEASURED_WORK[fn], parallelFraction: 0 } };
      expect(chooseMemory(memoryTable(serialOnly), fn)).toBe(chosen);
    }
  });

  it('chooses more memory when the work would not fit the budget at 2048 MB', () => {
    const heavy = { ...MEASURED_WORK, compress: { cpuMsPerMp: 160, parallelFraction: 0.9 } };
    expect(chooseMemory(memoryTable(heavy), 'compress')).toBeGreaterThan(2048);
  });

  it('is what docs/deploy.md shows, and what the constructs deploy', () => {
    const doc = read('docs/deploy.md');
    const block = /<!-- memory:start -->\n([\s\S]*?)\n<!-- memory:end -->/.exec(doc)?.[1];
    expect(block).toBe(renderMemoryChoice(rows));
    expect(read('infra/services/compress/src/compress.construct.ts')).toMatch(new RegExp(`COMPRESS_MEMORY_MB = ${chooseMemory(rows, 'compress')};`));
    expect(read('infra/services/thumbnail/src/thumbnail.construct.ts')).toMatch(new RegExp(`THUMBNAIL_MEMORY_MB = ${chooseMemory(rows, 'thumbnail')};`));
  });
});
