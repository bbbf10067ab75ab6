/**
 * `npm run bench`: the image core (sharp through image-ops) on real photographs, next to
 * the Pillow seed code and ImageMagick on the same photos in the same run. Tables go to
 * stdout, progress to stderr, everything measured to <cache>/last.json. See README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROFILE_SETTINGS } from '@imgpipe/image-ops';
import { mixedSet, planScenarios, sharpProfile, type ScenarioPlan, type ScenarioRecord, type Tool } from './bench-plan';
import { parseArgs, UsageError, USAGE, type BenchOptions, type Section } from './cli-args';
import { fetchPhotos } from './fetch-photos';
import { detectImageMagick, detectPillow, runPeer, type PeerAvailability } from './peers/peers';
import { assignRoles, megapixels } from './photo-set';
import {
  COST_ASSUMPTIONS,
  costRows,
  costTable,
  cpuComparisonLine,
  effortRows,
  effortTable,
  fastProfileLine,
  latencyRows,
  latencyRssTable,
  latencyTable,
  photosTable,
  targetChecks,
  targetsTable,
  throughputRows,
  throughputTable,
} from './report';
import { runGallerySection } from './gallery-section';
import { runAvifSection, runFrontSection, runQualitySection } from './quality-section';
import type { RunResult } from './scenario';
import { runSharp } from './sharp/run-sharp';

const REPO_ROOT = resolve(__dirname, '../../..');
const started = performance.now();

const clock = (): string => {
  const s = Math.round((performance.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const progress = (line: string): void => {
  process.stderr.write(`[bench ${clock()}] ${line}\n`);
};
const out = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const heading = (title: string): void => out(`\n== ${title} ${'='.repeat(Math.max(0, 86 - title.length))}`);

/**
 * The environment of every measured process: glibc's malloc makes up to 8 arenas per
 * core for threaded programs, which grows libvips' (and Pillow's) RSS without making
 * anything faster, so the bench caps them at 2 as the issue and image-ops recommend.
 */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MALLOC_ARENA_MAX: process.env['MALLOC_ARENA_MAX'] ?? '2' };
}

async function runScenario(
  plan: ScenarioPlan,
  options: BenchOptions,
  peers: Readonly<Record<'pillow' | 'imagemagick', PeerAvailability>>,
): Promise<ScenarioRecord> {
  const profile = sharpProfile(plan.tool);
  const label = `${plan.id} (${plan.jobs.length} job${plan.jobs.length === 1 ? '' : 's'}, conc ${plan.concurrency})`;
  const tty = process.stderr.isTTY;
  const onProgress = (done: number, total: number): void => {
    if (tty) process.stderr.write(`\r[bench ${clock()}] ${label}: ${done}/${total}`);
  };
  const spec = { concurrency: plan.concurrency, jobs: plan.jobs, ...(plan.warmup ? { warmup: plan.warmup } : {}) };
  let result: RunResult;
  try {
    if (profile) {
      progress(`${label} ...`);
      result = await runSharp(
        { profile, run: spec, ...(options.sharpThreads === undefined ? {} : { sharpThreads: options.sharpThreads }) },
        childEnv(),
        onProgress,
      );
    } else {
      const peer = peers[plan.tool as 'pillow' | 'imagemagick'];
      if (!peer.available) return { ...plan, skipped: peer.reason };
      progress(`${label} ...`);
      result = await runPeer(peer, spec, childEnv(), onProgress);
    }
  } catch (error) {
    if (tty) process.stderr.write('\n');
    const reason = error instanceof Error ? error.message : String(error);
    progress(`${plan.id} FAILED: ${reason}`);
    return { ...plan, skipped: `failed: ${reason}` };
  }
  if (tty) process.stderr.write('\n');
  progress(`${plan.id} done in ${(result.wallMs / 1000).toFixed(1)} s`);
  return { ...plan, result };
}

function printSection(section: Section, records: readonly ScenarioRecord[]): void {
  const mine = records.filter((r) => r.section === section);
  if (section === 'latency') {
    heading('Latency: median ms of one job at a time (lower is better); ratio = peer ms / sharp ms');
    out(latencyTable(latencyRows(records)));
    out();
    out(latencyRssTable(records));
  } else if (section === 'effort') {
    heading('WebP effort/bytes curve: sharp, quality 80, the ~13 MP JPEG');
    const profiles = Object.fromEntries(Object.entries(PROFILE_SETTINGS).map(([name, s]) => [name, s.webp.effort]));
    out(effortTable(effortRows(records), profiles));
  } else if (section === 'throughput') {
    heading('Throughput: the full job over the mixed set (higher img/s is better)');
    const rows = throughputRows(records);
    out(throughputTable(rows));
    const fast = fastProfileLine(rows);
    if (fast) out(fast);
  }
  const notes = new Set(mine.flatMap((r) => r.result?.notes ?? []));
  if (notes.size > 0) out(`notes: ${[...notes].join('; ')}`);
  for (const r of mine.filter((s) => s.skipped)) out(`skipped ${r.id}: ${r.skipped}`);
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    out(USAGE);
    return 0;
  }
  const cacheDir = resolve(options.cacheDir ?? join(REPO_ROOT, '.cache', 'bench'));
  mkdirSync(cacheDir, { recursive: true });
  const cpu = cpus();
  const machine = {
    cpus: cpu.length,
    model: cpu[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadavg(),
    node: process.version,
    mallocArenaMax: childEnv()['MALLOC_ARENA_MAX'],
  };
  const { reps } = options;
  heading('imgpipe bench');
  out(`machine: ${machine.cpus} x ${machine.model}, ${machine.memoryMb} MB, Node ${machine.node}, load average ${load()}`);
  out(
    `repetitions${options.quick ? ' (--quick)' : ''}: ~13 MP x${reps.thirteen}, ~24 MP x${reps.large}, effort curve x${reps.effort}, ` +
      `mixed set x1 (latency) and x${reps.passes} pass(es) (throughput)${reps.mixedLimit ? `, the smallest ${reps.mixedLimit} photos` : ''}; ` +
      'one warm-up job per worker, untimed',
  );
  out(`measured processes run with MALLOC_ARENA_MAX=${machine.mallocArenaMax}; sections: ${options.sections.join(', ')}`);

  // Photos
  progress(`fetching photos into ${cacheDir}`);
  const fetched = await fetchPhotos(cacheDir, progress);
  const roles = assignRoles(fetched.photos);
  heading('Photos');
  if (fetched.photos.length > 0) {
    out(photosTable(fetched.photos, roles));
    out(`unpacked under ${join(cacheDir, 'extracted')}/<package>/`);
  }
  for (const problem of fetched.problems) out(`not available: ${problem}`);
  if (!roles.thirteen && roles.mixed.length === 0) {
    out('\nNo photos could be fetched, so there is nothing to measure: the bench needs `apt-get download`');
    out('(Debian or Ubuntu apt lists and the network, once; later runs use the cache). Skipped.');
    writeResults(cacheDir, { machine, options, photos: fetched, skipped: 'no photos' });
    return 0;
  }
  if (roles.large) out(
      `~24 MP case: ${roles.large.name}, ${megapixels(roles.large).toFixed(1)} MP: the largest real photo in these packages ` +
        '(none has 24 MP; the 24 MP "Painting-Colors" is a drawing)',
    );

  // Peers
  const peers = { pillow: detectPillow(), imagemagick: detectImageMagick() };
  heading('Peers');
  for (const peer of Object.values(peers)) {
    out(peer.available ? `${peer.peer}: ${peer.version}` : `${peer.peer}: skipped, ${peer.reason}`);
  }

  // Scenarios, section by section
  const plans = planScenarios(options.sections, roles, reps, ['pillow', 'imagemagick'] satisfies Tool[]);
  const records: ScenarioRecord[] = [];
  const perceptual: Record<string, unknown> = {};
  let gallery: Awaited<ReturnType<typeof runGallerySection>> | undefined;
  for (const section of options.sections) {
    if (section === 'photos') continue;
    if (section === 'gallery') {
      // In this process, one job at a time: see gallery-section.ts.
      heading('Gallery: placeholder and smart crop cost (renditions, gallery set)');
      gallery = await runGallerySection(
        { thirteen: roles.thirteen, mixed: mixedSet(roles, reps), warmup: roles.warmup },
        reps.thirteen,
        cacheDir,
        out,
        progress,
      );
      continue;
    }
    if (section === 'quality' || section === 'front' || section === 'avif') {
      // In this process, one job at a time: see quality-section.ts.
      if (section === 'quality') {
        heading('Auto quality: WebP quality per photo by SSIMULACRA2 vs fixed q80 (mixed set)');
        perceptual[section] = await runQualitySection(mixedSet(roles, reps), out, progress);
      } else if (roles.thirteen) {
        heading(section === 'front' ? 'Effort/quality front: WebP effort x auto target, the ~13 MP JPEG' : 'AVIF vs WebP at equal distance, the ~13 MP JPEG');
        perceptual[section] = await (section === 'front' ? runFrontSection : runAvifSection)(roles.thirteen, out, progress);
      }
      continue;
    }
    for (const plan of plans.filter((p) => p.section === section)) records.push(await runScenario(plan, options, peers));
    printSection(section, records);
  }

  // Cost and targets
  const throughput = throughputRows(records);
  const costs = costRows(records, throughput);
  if (costs.length > 0) {
    heading('Estimated AWS cost per million images (mixed set)');
    out(costTable(costs));
    out(COST_ASSUMPTIONS);
  }
  const checks = targetChecks(records, throughput);
  heading('Summary: the issue\'s targets');
  out(targetsTable(checks));
  const cpuLine = cpuComparisonLine(throughput);
  if (cpuLine) out(cpuLine);
  out(`load average at the end: ${load()} (other work on the machine slows every tool, wall times first)`);
  const file = writeResults(cacheDir, {
    machine: { ...machine, loadAverageAtEnd: loadavg() },
    options,
    photos: fetched,
    roles: {
      thirteen: roles.thirteen?.name,
      large: roles.large?.name,
      mixed: roles.mixed.map((p) => p.name),
      warmup: roles.warmup?.name,
    },
    peers,
    derived: {
      latency: latencyRows(records),
      effort: effortRows(records),
      throughput,
      cost: costs,
      costAssumptions: COST_ASSUMPTIONS,
      targets: checks,
      perceptual,
      gallery,
    },
    scenarios: records,
  });
  out(`\nresults: ${file} (total ${clock()})`);
  return 0;
}

function writeResults(cacheDir: string, body: Record<string, unknown>): string {
  const file = join(cacheDir, 'last.json');
  writeFileSync(file, `${JSON.stringify({ version: 1, finishedAt: new Date().toISOString(), ...body }, null, 2)}\n`);
  return file;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
