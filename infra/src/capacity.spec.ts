import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPACITY_DEFAULTS } from '@imgpipe/infra-shared';
import { COMPRESS_MEMORY_MB } from '@imgpipe/compress-infra';
import { THUMBNAIL_MEMORY_MB } from '@imgpipe/thumbnail-infra';
import { capacityMarkdown, capacityReport, configuredCapacity, MODEL } from './capacity';

const DOCS = join(__dirname, '..', '..', 'docs', 'deploy.md');

function failing(overrides: Record<string, unknown>): string[] {
  return capacityReport(configuredCapacity(overrides))
    .checks.filter((c) => !c.ok)
    .map((c) => c.name);
}

describe('the capacity table, derived from the configured limits', () => {
  it('holds the design’s load with the limits infra/cdk.json configures', () => {
    const report = capacityReport(configuredCapacity());

    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toHaveLength(6);
  });

  it('is what docs/deploy.md shows, between its capacity markers (regenerate with npm run capacity -w infra)', () => {
    const docs = readFileSync(DOCS, 'utf8');
    const table = /<!-- capacity:start -->\n([\s\S]*?)\n<!-- capacity:end -->/.exec(docs)?.[1];

    expect(table).toBe(capacityMarkdown(capacityReport(configuredCapacity())));
  });

  it('fails when a limit change breaks the burst', () => {
    expect(failing({ 'imgpipe:apiBurstLimit': 500 })).toEqual(['the stage admits the burst']);
    expect(failing({ 'imgpipe:uploadsRouteBurstLimit': 100 })).toEqual(['the stage admits the burst']);
    expect(failing({ 'imgpipe:apiReservedConcurrency': 50 })).toEqual(['the API function has the concurrency for the burst']);
    // 1,000 images at 4.6 s each through 50 instances: 92 s, longer than the throttle retries wait.
    expect(failing({ 'imgpipe:compressReservedConcurrency': 50 })).toEqual(['throttle retries outlast the burst']);
    expect(failing({ 'imgpipe:thumbnailReservedConcurrency': 600 })).toEqual(['the reservations fit the account']);
    expect(failing({ 'imgpipe:apiRateLimit': 100, 'imgpipe:uploadsRouteRateLimit': 100 })).toEqual(['the stage rate carries the steady load 10x over']);
  });

  it('is no faster than measured: each step at least the 24 MP latency docs/deploy.md measured at the function’s memory', () => {
    // The memory table (tools/bench memory-choice, from CPU time measured per megapixel) is held to
    // its script by memory-choice.spec; this holds the capacity model to the table, so the burst
    // drain and the cost are never computed from a step faster than any measurement gave.
    const docs = readFileSync(DOCS, 'utf8');
    const measured = (fn: string, memoryMb: number): number => {
      const row = new RegExp(`^\\| ${fn} \\| 24 MP \\| ${memoryMb} MB \\| \\d+ \\| ([\\d.]+) s \\|`, 'm').exec(docs);
      if (!row?.[1]) throw new Error(`docs/deploy.md has no 24 MP row for ${fn} at ${memoryMb} MB`);
      return Number(row[1]);
    };
    expect(MODEL.compressSeconds).toBeGreaterThanOrEqual(measured('compress', COMPRESS_MEMORY_MB));
    expect(MODEL.thumbnailSeconds).toBeGreaterThanOrEqual(measured('thumbnail', THUMBNAIL_MEMORY_MB));
    expect(MODEL.executionSeconds).toBeGreaterThan(Math.max(MODEL.compressSeconds, MODEL.thumbnailSeconds));
    expect([MODEL.compressMemoryGb, MODEL.thumbnailMemoryGb]).toEqual([COMPRESS_MEMORY_MB / 1024, THUMBNAIL_MEMORY_MB / 1024]);
  });

  it('reads the knobs, not the defaults', () => {
    expect(configuredCapacity({ 'imgpipe:compressReservedConcurrency': 400 }).compressReservedConcurrency).toBe(400);
    expect(configuredCapacity()).toEqual(CAPACITY_DEFAULTS);
  });
});
