import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { canReleaseFreedMemory, releaseFreedMemory } from './runtime';

const RUNTIME = JSON.stringify(join(__dirname, 'runtime.ts'));

/** Runs `script` (CommonJS, `runtime` in scope) in a fresh Node process with the runtime's allocator and returns its JSON output. */
function inFreshProcess<T>(script: string, preload: string[] = []): T {
  const out = execFileSync(process.execPath, [...preload, '--import', 'tsx', '-e', `const runtime = require(${RUNTIME});\n${script}`], {
    env: { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '1048576' },
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}

/**
 * Fills glibc's heap with small blocks (below the mmap threshold, so they come from the arena),
 * keeps one block above them so the heap's top cannot shrink, frees the rest and reports the
 * resident set before and after `release` (an expression awaited; `false`: nothing).
 */
const FRAGMENTED_HEAP = (release: string) => `
const libc = require('koffi').load('libc.so.6');
const malloc = libc.func('void *malloc(size_t size)');
const free = libc.func('void free(void *ptr)');
const memset = libc.func('void *memset(void *s, int c, size_t n)');
const rssMiB = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const blocks = [];
for (let i = 0; i < 200000; i++) { const p = malloc(1000); memset(p, 1, 1000); blocks.push(p); }
const pin = malloc(1000);
for (const p of blocks) free(p);
const before = rssMiB();
(async () => {
  const released = await (${release});
  process.stdout.write(JSON.stringify({ before, after: rssMiB(), released, pin: pin !== null }));
})();`;

/**
 * A Buffer that nothing references any more, watched through a WeakRef (made on an earlier turn,
 * as WeakRefs keep their target until the turn ends); then whether it is gone after `call`.
 */
const GARBAGE_BUFFER = (call: string) => `
let weak;
(() => { weak = new WeakRef(Buffer.alloc(4 * 1024 * 1024, 1)); })();
setTimeout(() => {
  ${call};
  process.stdout.write(JSON.stringify({ collected: weak.deref() === undefined }));
}, 0);`;

/** A preload that makes `koffi` unresolvable, as in a process that does not ship it. */
const HIDE_KOFFI = [
  '--import',
  `data:text/javascript,${encodeURIComponent(`import Module from 'node:module'; const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { if (request === 'koffi') throw Object.assign(new Error('no koffi'), { code: 'MODULE_NOT_FOUND' }); return resolve.call(this, request, ...rest); };`)}`,
];

describe('releaseFreedMemory', () => {
  it('is a no-op, not an error, where koffi cannot be loaded', () => {
    const result = inFreshProcess<{ can: boolean; released: boolean }>(
      `process.stdout.write(JSON.stringify({ can: runtime.canReleaseFreedMemory(), released: runtime.releaseFreedMemory() }));`,
      HIDE_KOFFI,
    );

    expect(result).toEqual({ can: false, released: false });
  });

  it('answers a boolean in this process', () => {
    expect(typeof releaseFreedMemory()).toBe('boolean');
  });

  it('with collectGarbage, first collects the Buffers nothing references (a process started with --expose-gc)', () => {
    const gcFlag = ['--expose-gc'];

    expect(inFreshProcess(GARBAGE_BUFFER('runtime.releaseFreedMemory()'), gcFlag)).toEqual({ collected: false });
    expect(inFreshProcess(GARBAGE_BUFFER('runtime.releaseFreedMemory({ collectGarbage: true })'), gcFlag)).toEqual({ collected: true });
  });

  it('with collectGarbage, collects nothing where no collector is exposed', () => {
    expect(inFreshProcess(GARBAGE_BUFFER('runtime.releaseFreedMemory({ collectGarbage: true })'))).toEqual({ collected: false });
  });

  // Only where it applies: Linux with glibc and koffi installed.
  (canReleaseFreedMemory() ? it : it.skip)('gives the free pages inside glibc\'s heap back to the system, which glibc alone does not', () => {
    const kept = inFreshProcess<{ before: number; after: number }>(FRAGMENTED_HEAP('false'));
    const trimmed = inFreshProcess<{ before: number; after: number; released: boolean }>(FRAGMENTED_HEAP('runtime.releaseFreedMemory()'));

    // ~200 MiB of freed small blocks: glibc keeps them resident; malloc_trim returns them.
    expect(kept.before - kept.after).toBeLessThan(20);
    expect(trimmed.released).toBe(true);
    expect(trimmed.before - trimmed.after).toBeGreaterThan(100);
  });

  (canReleaseFreedMemory() ? it : it.skip)('in the background: the same pages back, from koffi\'s thread, the promise settling when done', () => {
    const trimmed = inFreshProcess<{ before: number; after: number; released: boolean }>(FRAGMENTED_HEAP('runtime.releaseFreedMemoryInBackground()'));

    expect(trimmed.released).toBe(true);
    expect(trimmed.before - trimmed.after).toBeGreaterThan(100);
  });

  it('in the background: resolves false, never rejects, where koffi cannot be loaded', () => {
    const result = inFreshProcess<{ released: boolean }>(
      `runtime.releaseFreedMemoryInBackground().then((released) => process.stdout.write(JSON.stringify({ released })));`,
      HIDE_KOFFI,
    );

    expect(result).toEqual({ released: false });
  });
});
