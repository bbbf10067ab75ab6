import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSecondsOf, parentPidOf, sampleTreeRss, vmRssKiBOf } from './measure-rss.sampling';

describe('parentPidOf', () => {
  it('reads the parent pid after the last parenthesis, whatever the command name holds', () => {
    expect(parentPidOf('1234 (node) S 1200 1234 1200 0 -1')).toBe(1200);
    expect(parentPidOf('1234 (a) b (c)) R 77 1234 1200 0 -1')).toBe(77);
  });

  it('refuses text that is not a stat line', () => {
    expect(parentPidOf('')).toBeUndefined();
    expect(parentPidOf('no parenthesis here')).toBeUndefined();
  });
});

describe('cpuSecondsOf', () => {
  it('adds user and system time (fields 14 and 15), in seconds of 100 ticks', () => {
    expect(cpuSecondsOf('1234 (my (node)) S 1200 1234 1200 0 -1 4194560 5000 0 12 0 250 75 0 0 20 0 11 0')).toBe(3.25);
  });

  it('is 0 for text that is not a stat line', () => {
    expect(cpuSecondsOf('garbage')).toBe(0);
  });
});

describe('vmRssKiBOf', () => {
  it('reads VmRSS in KiB and not the neighbouring VmHWM', () => {
    expect(vmRssKiBOf('Name:\tnode\nVmHWM:\t  900000 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 1 kB\n')).toBe(123456);
  });

  it('is 0 for a process without a resident set (zombie, kernel thread)', () => {
    expect(vmRssKiBOf('Name:\tnode\nState:\tZ (zombie)\n')).toBe(0);
  });
});

describe('sampleTreeRss', () => {
  let proc: string;
  const fakeProcess = (pid: number, ppid: number, rssKiB: number | undefined, name = `p${pid}`) => {
    mkdirSync(join(proc, String(pid)));
    // utime 100 ticks, stime 0: one CPU second each.
    writeFileSync(join(proc, String(pid), 'stat'), `${pid} (${name}) S ${ppid} ${pid} 1 0 -1 4194560 9 0 0 0 100 0 0 0 20 0 1 0`);
    writeFileSync(join(proc, String(pid), 'status'), `Name:\t${name}\n${rssKiB === undefined ? '' : `VmRSS:\t${rssKiB} kB\n`}`);
  };

  beforeEach(() => {
    proc = mkdtempSync(join(tmpdir(), 'fake-proc-'));
  });
  afterEach(() => rmSync(proc, { recursive: true, force: true }));

  it('sums the root, its children and their children, and nothing else', () => {
    fakeProcess(1, 0, 10_000, 'init');
    fakeProcess(100, 1, 50_000, 'npm');
    fakeProcess(101, 100, 400_000, 'node');
    fakeProcess(102, 101, 9_000, 'esbuild');
    fakeProcess(103, 101, undefined, 'zombie');
    fakeProcess(200, 1, 777_000, 'unrelated');
    mkdirSync(join(proc, 'self'));

    const sample = sampleTreeRss(100, proc);

    expect(sample.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual([100, 101, 102, 103]);
    expect(sample.totalKiB).toBe(50_000 + 400_000 + 9_000);
    expect(sample.cpuSeconds).toBe(4);
  });

  it('is empty when the root is gone', () => {
    fakeProcess(1, 0, 10_000);
    expect(sampleTreeRss(4242, proc)).toEqual({ processes: [], totalKiB: 0, cpuSeconds: 0 });
  });

  it('finds a real child process of this one in /proc', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const own = vmRssKiBOf(readFileSync('/proc/self/status', 'utf8'));

      const sample = sampleTreeRss(process.pid);

      expect(sample.processes.map((p) => p.pid)).toEqual(expect.arrayContaining([process.pid, child.pid]));
      expect(sample.processes.find((p) => p.pid === child.pid)?.rssKiB).toBeGreaterThan(0);
      expect(sample.totalKiB).toBeGreaterThan(own * 0.9);
    } finally {
      child.kill();
    }
  });
});
