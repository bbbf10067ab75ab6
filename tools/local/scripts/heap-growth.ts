/**
 * What V8's heap keeps per image in the local runtime (tools/local/README.md, "Memory"):
 *
 *   MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576 node --expose-gc --max-semi-space-size=2 --optimize-for-size --import tsx \
 *     tools/local/scripts/heap-growth.ts [--images 70] [--at 10] [--every <n>] [--width 800 --height 600] [--out <dir>]
 *   node --import tsx tools/local/scripts/heap-growth.ts diff <first.heapsnapshot> <last.heapsnapshot> [--images <n>]
 *
 * The first form starts the runtime in this process (`startLocalRuntime`, no UI, upload rate
 * limit off; run it with `npm start`'s node flags and `MALLOC_*` as above), uploads one
 * `--width` x `--height` JPEG after another through the API (`RuntimeClient`, as the specs do),
 * waits for each outcome and for the runtime to be idle (the AVIF step follows
 * `ImageProcessed`), and after each image `--at` names (comma-separated) and the last forces
 * collections and writes a heap snapshot to `--out`. It prints V8's heap used at each and the
 * growth per image between them, then the diff below between the first snapshot and the last;
 * `--every n` also prints V8's heap used (after the same collections, no snapshot) every n images.
 *
 * The diff (the second form, also run by the first), over the objects reachable from the roots:
 * - the net change by constructor (or node type): count and self size in the last snapshot
 *   minus the first (code V8 optimises again replaces older code: new objects are not all growth);
 * - the objects in the last snapshot whose node id is not in the first (V8 keeps an object's id
 *   across the snapshots of one isolate), grouped the same way, the largest groups first, each
 *   with its commonest retainer paths (the shortest path from the GC roots, by edge name);
 * - the containers in both (same id) holding at least a quarter of an entry an image more (a
 *   Map, Set, array or object keyed by image, run or event), with the new objects under each.
 * Hand-written (no library in the workspace reads a .heapsnapshot); `Snapshot` and the walks are
 * exported for one-off questions of a snapshot. The uploads' own `fetch` calls fill Node's resource
 * timing buffer, which stops at 250 entries (`performance.setResourceTimingBufferSize`).
 * A measurement, not a test: run it under the measurement lock.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime } from '../src/runtime';
import { RuntimeClient } from '../src/testing/http-client';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const KiB = 1024;
const MiB = 1024 * 1024;

/** The parts of V8's snapshot format the diff reads (`snapshot.meta`). */
interface HeapSnapshotFile {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
      readonly edge_fields: readonly string[];
      readonly edge_types: readonly [readonly string[], ...unknown[]];
    };
    readonly node_count: number;
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

/** One snapshot, indexed: node i's fields at `i * nodeFields`, its edges from `firstEdge[i]`. */
export class Snapshot {
  readonly nodeFields: number;
  readonly edgeFields: number;
  readonly count: number;
  readonly firstEdge: Uint32Array;
  private readonly typeAt: number;
  private readonly nameAt: number;
  private readonly idAt: number;
  private readonly sizeAt: number;
  private readonly edgeCountAt: number;
  private readonly edgeTypeAt: number;
  private readonly edgeNameAt: number;
  private readonly edgeToAt: number;

  constructor(readonly file: HeapSnapshotFile) {
    const meta = file.snapshot.meta;
    this.nodeFields = meta.node_fields.length;
    this.edgeFields = meta.edge_fields.length;
    this.typeAt = meta.node_fields.indexOf('type');
    this.nameAt = meta.node_fields.indexOf('name');
    this.idAt = meta.node_fields.indexOf('id');
    this.sizeAt = meta.node_fields.indexOf('self_size');
    this.edgeCountAt = meta.node_fields.indexOf('edge_count');
    this.edgeTypeAt = meta.edge_fields.indexOf('type');
    this.edgeNameAt = meta.edge_fields.indexOf('name_or_index');
    this.edgeToAt = meta.edge_fields.indexOf('to_node');
    this.count = file.nodes.length / this.nodeFields;
    this.firstEdge = new Uint32Array(this.count + 1);
    for (let i = 0; i < this.count; i++) {
      this.firstEdge[i + 1] = (this.firstEdge[i] ?? 0) + (file.nodes[i * this.nodeFields + this.edgeCountAt] ?? 0);
    }
  }

  private field(node: number, at: number): number {
    return this.file.nodes[node * this.nodeFields + at] ?? 0;
  }
  type(node: number): string {
    return this.file.snapshot.meta.node_types[0][this.field(node, this.typeAt)] ?? '?';
  }
  name(node: number): string {
    return this.file.strings[this.field(node, this.nameAt)] ?? '?';
  }
  id(node: number): number {
    return this.field(node, this.idAt);
  }
  size(node: number): number {
    return this.field(node, this.sizeAt);
  }
  /** What groups a node: an object's constructor, otherwise its type (`(string)`, `(closure) f`...). */
  label(node: number): string {
    const type = this.type(node);
    if (type === 'object' || type === 'native') return this.name(node);
    if (type === 'closure') return `(closure) ${this.name(node) || '(anonymous)'}`;
    return `(${type})`;
  }
  edgeType(edge: number): string {
    return this.file.snapshot.meta.edge_types[0][this.file.edges[edge * this.edgeFields + this.edgeTypeAt] ?? 0] ?? '?';
  }
  edgeName(edge: number): string {
    const raw = this.file.edges[edge * this.edgeFields + this.edgeNameAt] ?? 0;
    const type = this.edgeType(edge);
    return type === 'element' || type === 'hidden' ? `[${raw}]` : (this.file.strings[raw] ?? '?');
  }
  edgeTo(edge: number): number {
    return (this.file.edges[edge * this.edgeFields + this.edgeToAt] ?? 0) / this.nodeFields;
  }
}

export async function readSnapshot(path: string): Promise<Snapshot> {
  return new Snapshot(JSON.parse(await readFile(path, 'utf8')) as HeapSnapshotFile);
}

/** For every node, the edge it was first reached by in a breadth-first walk from the root (weak edges skipped). */
export function shortestRetainers(s: Snapshot): Int32Array {
  const via = new Int32Array(s.count).fill(-1);
  const seen = new Uint8Array(s.count);
  const queue = new Uint32Array(s.count);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  seen[0] = 1;
  while (head < tail) {
    const node = queue[head++] ?? 0;
    for (let e = s.firstEdge[node] ?? 0; e < (s.firstEdge[node + 1] ?? 0); e++) {
      if (s.edgeType(e) === 'weak') continue;
      const to = s.edgeTo(e);
      if (seen[to]) continue;
      seen[to] = 1;
      via[to] = e;
      queue[tail++] = to;
    }
  }
  return via;
}

/** The node each edge starts from. */
export function edgeOwners(s: Snapshot): Uint32Array {
  const owner = new Uint32Array(s.file.edges.length / s.edgeFields);
  for (let n = 0; n < s.count; n++) owner.fill(n, s.firstEdge[n] ?? 0, s.firstEdge[n + 1] ?? 0);
  return owner;
}

const PATH_HOPS = 6;

/** `Owner.edge <- Owner.edge <- ...` from the node up, `PATH_HOPS` hops at most; array indices as `[]`. */
function retainerPath(s: Snapshot, via: Int32Array, owner: Uint32Array, node: number): string {
  const hops: string[] = [];
  let at = node;
  while (hops.length < PATH_HOPS) {
    const edge = via[at] ?? -1;
    if (edge < 0) break;
    const from = owner[edge] ?? 0;
    const name = s.edgeType(edge) === 'element' || s.edgeType(edge) === 'hidden' ? '[]' : s.edgeName(edge);
    hops.push(`${s.label(from)}.${name}`);
    at = from;
  }
  return hops.join(' <- ') || '(unreached)';
}

interface Group {
  count: number;
  bytes: number;
  readonly paths: Map<string, { count: number; bytes: number }>;
}

/** Count and self size of every reachable node by label. */
function totalsByLabel(s: Snapshot, via: Int32Array): Map<string, { count: number; bytes: number }> {
  const totals = new Map<string, { count: number; bytes: number }>();
  for (let n = 1; n < s.count; n++) {
    if ((via[n] ?? -1) < 0) continue;
    const label = s.label(n);
    const t = totals.get(label) ?? { count: 0, bytes: 0 };
    t.count += 1;
    t.bytes += s.size(n);
    totals.set(label, t);
  }
  return totals;
}

/** The diff described at the top; returns the lines it prints. */
export async function diffSnapshots(firstPath: string, lastPath: string, images: number | undefined, top = 25): Promise<string[]> {
  const firstIds = new Set<number>();
  let firstTotals: Map<string, { count: number; bytes: number }>;
  {
    const first = await readSnapshot(firstPath);
    for (let n = 0; n < first.count; n++) firstIds.add(first.id(n));
    firstTotals = totalsByLabel(first, shortestRetainers(first));
  }
  const last = await readSnapshot(lastPath);
  const via = shortestRetainers(last);
  const owner = edgeOwners(last);
  const groups = new Map<string, Group>();
  let total = 0;
  for (let n = 0; n < last.count; n++) {
    if (firstIds.has(last.id(n)) || via[n] === -1) continue;
    const label = last.label(n);
    const bytes = last.size(n);
    total += bytes;
    const group = groups.get(label) ?? { count: 0, bytes: 0, paths: new Map() };
    group.count += 1;
    group.bytes += bytes;
    const path = retainerPath(last, via, owner, n);
    const p = group.paths.get(path) ?? { count: 0, bytes: 0 };
    p.count += 1;
    p.bytes += bytes;
    group.paths.set(path, p);
    groups.set(label, group);
  }
  const perImage = (n: number) => (images ? `, ${(n / images).toFixed(1)} an image` : '');
  // Net growth by label (what the new objects above replaced is subtracted: compiled code, say, is replaced as it is optimised again).
  const lastTotals = totalsByLabel(last, via);
  const net = [...new Set([...firstTotals.keys(), ...lastTotals.keys()])].map((label) => {
    const a = firstTotals.get(label) ?? { count: 0, bytes: 0 };
    const b = lastTotals.get(label) ?? { count: 0, bytes: 0 };
    return { label, count: b.count - a.count, bytes: b.bytes - a.bytes };
  });
  const netTotal = net.reduce((sum, g) => sum + g.bytes, 0);
  const netLines = [
    `net change of the reachable heap by constructor/type: ${(netTotal / KiB).toFixed(0)} KiB${images ? ` (${(netTotal / images / KiB).toFixed(1)} KiB an image)` : ''}; largest:`,
    ...net
      .sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes))
      .slice(0, 12)
      .map((g) => `${(g.bytes / KiB).toFixed(1).padStart(9)} KiB ${String(g.count).padStart(7)} x ${g.label}${perImage(g.count)}`),
  ];
  const lines = [
    ...netLines,
    `new objects reachable in the last snapshot, not in the first: ${(total / KiB).toFixed(0)} KiB${images ? ` (${(total / images / KiB).toFixed(1)} KiB an image over ${images})` : ''}`];
  for (const [label, group] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
    lines.push(`${(group.bytes / KiB).toFixed(1).padStart(9)} KiB ${String(group.count).padStart(7)} x ${label}${perImage(group.count)}`);
    for (const [path, p] of [...group.paths].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 3)) {
      lines.push(`              ${(p.bytes / KiB).toFixed(1).padStart(8)} KiB ${String(p.count).padStart(6)} x ${path}`);
    }
  }
  return lines;
}

/** How many things a node holds: its edges, plus those of its backing store (a Map's or Set's `table`, an object's `elements` and `properties`). */
function breadth(s: Snapshot, node: number): number {
  let n = 0;
  for (let e = s.firstEdge[node] ?? 0; e < (s.firstEdge[node + 1] ?? 0); e++) {
    if (s.edgeType(e) === 'weak') continue;
    n += 1;
    const name = s.edgeType(e) === 'internal' ? s.edgeName(e) : '';
    if (name === 'table' || name === 'elements' || name === 'properties') {
      const to = s.edgeTo(e);
      n += (s.firstEdge[to + 1] ?? 0) - (s.firstEdge[to] ?? 0);
    }
  }
  return n;
}

/**
 * Containers present in both snapshots (same id) that hold `minGrowth` more things in the last:
 * a Map, Set, array or object gaining entries per image, whatever its entries are.
 */
export async function growingContainers(firstPath: string, lastPath: string, minGrowth: number, top = 25): Promise<string[]> {
  const before = new Map<number, number>();
  {
    const first = await readSnapshot(firstPath);
    for (let n = 0; n < first.count; n++) {
      const type = first.type(n);
      if (type === 'object' || type === 'array' || type === 'native') before.set(first.id(n), breadth(first, n));
    }
  }
  const last = await readSnapshot(lastPath);
  const via = shortestRetainers(last);
  const owner = edgeOwners(last);
  const grown: { node: number; from: number; to: number }[] = [];
  for (let n = 0; n < last.count; n++) {
    const from = before.get(last.id(n));
    if (from === undefined) continue;
    const to = breadth(last, n);
    if (to - from >= minGrowth) grown.push({ node: n, from, to });
  }
  grown.sort((a, b) => b.to - b.from - (a.to - a.from));
  // What new objects each one holds: a new object counts for the first grown container on its
  // shortest path from the roots.
  const under = new Map<number, number>(grown.map(({ node }) => [node, 0]));
  for (let n = 0; n < last.count; n++) {
    if (before.has(last.id(n)) || (via[n] ?? -1) < 0) continue;
    let at = n;
    for (let hop = 0; hop < 64 && (via[at] ?? -1) >= 0; hop++) {
      at = owner[via[at] ?? 0] ?? 0;
      const held = under.get(at);
      if (held !== undefined) {
        under.set(at, held + last.size(n));
        break;
      }
    }
  }
  return [
    `containers in both snapshots holding ${minGrowth} or more things more in the last (edges, with their table/elements/properties; new objects under each):`,
    ...grown
      .slice(0, top)
      .map(({ node, from, to }) => `  ${String(from).padStart(6)} -> ${String(to).padEnd(6)} ${((under.get(node) ?? 0) / KiB).toFixed(1).padStart(7)} KiB  ${last.label(node)} <- ${retainerPath(last, via, owner, node)}`),
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Several full collections with pauses, so finalizers and weak callbacks settle before a measurement. */
async function collect(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(200);
  }
  return process.memoryUsage().heapUsed;
}

async function measure(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '70' },
      at: { type: 'string', default: '10' },
      every: { type: 'string', default: '0' },
      width: { type: 'string', default: '800' },
      height: { type: 'string', default: '600' },
      out: { type: 'string' },
    },
  });
  const images = Number(values.images);
  const at = [...new Set([...values.at.split(',').map(Number), images])].sort((a, b) => a - b);
  if (!at.every((n) => Number.isInteger(n) && n >= 1 && n <= images) || at.length < 2) {
    throw new Error('--at takes whole numbers up to --images (the images after which to write snapshots besides the last)');
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc');
  const out = resolve(values.out ?? (await mkdtemp(join(tmpdir(), 'imgpipe-heap-'))));
  await mkdir(out, { recursive: true });
  const photo = await testImage('jpeg', { width: Number(values.width), height: Number(values.height) });
  const dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-heap-data-'));
  const runtime = await startLocalRuntime({ dataDir, port: 0, web: false, env: { ...process.env, RATE_LIMIT_UPLOADS: 'off' } });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const client = await RuntimeClient.signIn(runtime.url, 'heap');
    const snapshots: { path: string; heapUsed: number; images: number }[] = [];
    const started = Date.now();
    for (let i = 1; i <= images; i++) {
      const grant = await client.upload(photo, `photo-${i}.jpg`, 'image/jpeg');
      const { image } = await client.waitForOutcome(grant.imageId);
      if (image?.status !== 'processed') throw new Error(`image ${i} (${grant.imageId}) ended ${image?.status}`);
      await runtime.idle();
      const every = Number(values.every);
      if (every > 0 && i % every === 0 && !at.includes(i)) {
        log(`after ${i} images (${((Date.now() - started) / 1000).toFixed(0)} s): V8 heap used ${((await collect(gc)) / MiB).toFixed(2)} MiB`);
      }
      if (at.includes(i)) {
        const heapUsed = await collect(gc);
        const path = join(out, `after-${i}.heapsnapshot`);
        writeHeapSnapshot(path);
        snapshots.push({ path, heapUsed, images: i });
        log(`after ${i} images (${((Date.now() - started) / 1000).toFixed(0)} s): V8 heap used ${(heapUsed / MiB).toFixed(2)} MiB, snapshot ${path}`);
      }
    }
    for (let k = 1; k < snapshots.length; k++) {
      const a = snapshots[k - 1];
      const b = snapshots[k];
      if (!a || !b) continue;
      const between = b.images - a.images;
      log(`heap growth from ${a.images} to ${b.images} images: ${((b.heapUsed - a.heapUsed) / MiB).toFixed(2)} MiB, ${((b.heapUsed - a.heapUsed) / between / KiB).toFixed(1)} KiB an image`);
    }
    const a = snapshots[0];
    const b = snapshots[snapshots.length - 1];
    if (!a || !b) return;
    const between = b.images - a.images;
    log(`between the first and the last snapshot (${a.images} -> ${b.images} images):`);
    for (const line of await diffSnapshots(a.path, b.path, between)) log(line);
    for (const line of await growingContainers(a.path, b.path, Math.max(1, Math.floor(between / 4)))) log(line);
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'diff') {
    const { values, positionals } = parseArgs({ args: process.argv.slice(3), allowPositionals: true, options: { images: { type: 'string' } } });
    const [a, b] = positionals;
    if (!a || !b) throw new Error('diff <first.heapsnapshot> <last.heapsnapshot> [--images <n>]');
    const images = values.images === undefined ? undefined : Number(values.images);
    for (const line of await diffSnapshots(a, b, images)) process.stdout.write(`${line}\n`);
    for (const line of await growingContainers(a, b, Math.max(1, Math.floor((images ?? 40) / 4)))) process.stdout.write(`${line}\n`);
    return;
  }
  await measure();
}

if (require.main === module) {
  // Piped into `head`: stop quietly when the reader has gone.
  process.stdout.on('error', () => process.exit(0));
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
