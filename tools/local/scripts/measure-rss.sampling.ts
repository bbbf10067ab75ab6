/**
 * Resident memory of a whole process tree, read from Linux's `/proc`: what
 * `measure-rss.ts` samples while the local runtime takes a burst of uploads.
 *
 * Hand-written, a few lines over /proc: the npm packages for process trees (pidtree,
 * ps-tree) are not installed and run `ps` on every call, a process that would itself be
 * sampled. Each process's parent and CPU time from `/proc/<pid>/stat`, its resident set
 * from `VmRSS` in `/proc/<pid>/status`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One process of a sampled tree. */
export interface ProcessRss {
  readonly pid: number;
  readonly name: string;
  /** `VmRSS` in KiB (0 for a zombie or kernel thread, which have none). */
  readonly rssKiB: number;
  /** CPU time used so far, user + system, in seconds. */
  readonly cpuSeconds: number;
}

/** One sample: the tree under a root pid and its summed resident set. */
export interface TreeRssSample {
  readonly processes: readonly ProcessRss[];
  readonly totalKiB: number;
  /** CPU seconds used by the processes alive now (user + system). */
  readonly cpuSeconds: number;
}

/**
 * Clock ticks per second of `/proc/<pid>/stat`'s times: Linux's USER_HZ, 100 on every
 * architecture Node runs on (`getconf CLK_TCK`; Node has no API for it).
 */
const USER_HZ = 100;

/**
 * The fields of `/proc/<pid>/stat` after `pid (comm)`: field 3 (state) first. The command
 * name may itself hold spaces and parentheses, so they are read after its LAST closing
 * parenthesis. `undefined` for text that is not a stat line.
 */
function statFields(statText: string): string[] | undefined {
  const close = statText.lastIndexOf(')');
  return close < 0 ? undefined : statText.slice(close + 1).trim().split(/\s+/);
}

/** The parent pid (field 4) from the text of `/proc/<pid>/stat`; `undefined` for other text. */
export function parentPidOf(statText: string): number | undefined {
  const ppid = Number(statFields(statText)?.[1]);
  return Number.isInteger(ppid) && ppid >= 0 ? ppid : undefined;
}

/** User + system CPU seconds (fields 14 and 15) from the text of `/proc/<pid>/stat`; 0 for other text. */
export function cpuSecondsOf(statText: string): number {
  const fields = statFields(statText);
  const ticks = Number(fields?.[11]) + Number(fields?.[12]);
  return Number.isFinite(ticks) ? ticks / USER_HZ : 0;
}

/** `VmRSS` in KiB from the text of `/proc/<pid>/status`; 0 when absent (zombies, kernel threads). */
export function vmRssKiBOf(statusText: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return match ? Number(match[1]) : 0;
}

function nameOf(statusText: string): string {
  return /^Name:\s+(.*)$/m.exec(statusText)?.[1] ?? '?';
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // The process ended between the directory listing and this read.
    return undefined;
  }
}

/**
 * Every process under `rootPid` (itself included) and the sum of their `VmRSS`, from one pass
 * over `procRoot` (default `/proc`; a spec passes a directory laid out the same way).
 * Processes that end during the pass are left out. An empty sample when the root is gone.
 */
export function sampleTreeRss(rootPid: number, procRoot = '/proc'): TreeRssSample {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrUndefined(join(procRoot, entry, 'stat'));
    const ppid = stat === undefined ? undefined : parentPidOf(stat);
    if (ppid === undefined) continue;
    cpu.set(Number(entry), cpuSecondsOf(stat as string));
    const siblings = children.get(ppid) ?? [];
    siblings.push(Number(entry));
    children.set(ppid, siblings);
  }
  const processes: ProcessRss[] = [];
  const pending = [rootPid];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const status = readOrUndefined(join(procRoot, String(pid), 'status'));
    if (status === undefined) continue;
    processes.push({ pid, name: nameOf(status), rssKiB: vmRssKiBOf(status), cpuSeconds: cpu.get(pid) ?? 0 });
    pending.push(...(children.get(pid) ?? []));
  }
  return {
    processes,
    totalKiB: processes.reduce((sum, p) => sum + p.rssKiB, 0),
    cpuSeconds: processes.reduce((sum, p) => sum + p.cpuSeconds, 0),
  };
}

/** KiB as whole MiB (2^20 bytes, as `ps` and `top` count). */
export function formatMiB(kiB: number): string {
  return `${(kiB / 1024).toFixed(0)} MiB`;
}
