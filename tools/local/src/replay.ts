import { describeSkipped, type ReplayRequest, type ReplayResult } from './bus/replay-archive';
import { parseCommandLineArgs } from './command-line';
import { readAdminToken } from './http/auth';
import { dataLayout, runningRuntime, startLocalRuntime } from './runtime';

export { replayArchive, parseReplayTime, describeSkipped } from './bus/replay-archive';
export type { ReplayRequest, ReplayResult, ReplayTarget, ReplayOptions, ReplaySkipReason } from './bus/replay-archive';

export const REPLAY_USAGE = `usage: npm start -- replay --from <time> [--to <time>] [--detail-type <name>]... [options]

Re-publishes the archived events between --from (inclusive) and --to (exclusive, default
now) on the local bus, marked with a replay-name: ImageUploaded runs the pipeline again
(e.g. under a new RENDITION_SET or COMPRESS_FORMATS), every event reaches metadata again.
Times: ISO 8601, "now", or -<n>s|m|h|d (ago). Sent to the runtime running on the data
directory, or to one started for the replay and stopped when its work is done.

options:
  --from <time>           start of the window (required)
  --to <time>             end of the window (default now)
  --detail-type <name>    only these events (repeatable), e.g. ImageUploaded
  --name <name>           the replay's name (default replay-<uuid>)
  --data-dir <dir>        default .imgpipe [IMGPIPE_DATA_DIR]
  -h, --help              this text`;

export interface ReplayOnDataDirOptions extends ReplayRequest {
  /** The runtime's data directory (default `.imgpipe`). */
  readonly dataDir?: string;
}

export interface ReplayOnDataDirResult extends ReplayResult {
  /** `running`: sent to the runtime serving the data directory; `embedded`: one started for it. */
  readonly via: 'running' | 'embedded';
}

/**
 * Replays a data directory's archive, for the CLI: through the runtime running on it (its
 * `POST /admin/replay`, with the directory's admin token), or, when none runs, on a
 * runtime started for the purpose (no UI, a free port) that stops once the replayed work
 * is done.
 */
export async function replayOnDataDir(options: ReplayOnDataDirOptions): Promise<ReplayOnDataDirResult> {
  const dataDir = options.dataDir ?? '.imgpipe';
  const { dataDir: _dir, ...request } = options;
  const running = await runningRuntime(dataDir);
  if (running) {
    // Replay is an operator action: the runtime's admin token, which only who can read the data directory has.
    const token = await readAdminToken(dataLayout(dataDir).adminToken);
    const body = { ...request, ...(request.from instanceof Date ? { from: request.from.toISOString() } : {}) };
    if (request.to instanceof Date) Object.assign(body, { to: request.to.toISOString() });
    const response = await fetch(`${running.url}/admin/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as ReplayResult | { code: string; message: string };
    if (!response.ok || !('replayed' in answer)) {
      const message = 'message' in answer ? answer.message : `HTTP ${response.status}`;
      throw new Error(`the running runtime refused the replay: ${message}`);
    }
    return { ...answer, via: 'running' };
  }
  const runtime = await startLocalRuntime({ dataDir, port: 0, web: false });
  try {
    const result = await runtime.replay(request);
    await runtime.idle();
    return { ...result, via: 'embedded' };
  } finally {
    await runtime.stop();
  }
}

/** `npm start -- replay ...`: returns the exit code. */
export async function replayMain(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLineArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'detail-type': { type: 'string', multiple: true },
      name: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${REPLAY_USAGE}\n`);
    return 0;
  }
  if (!values.from) {
    process.stderr.write(`${REPLAY_USAGE}\n`);
    return 2;
  }
  const result = await replayOnDataDir({
    from: values.from,
    ...(values.to ? { to: values.to } : {}),
    ...(values['detail-type'] ? { detailTypes: values['detail-type'] } : {}),
    ...(values.name ? { name: values.name } : {}),
    dataDir: values['data-dir'] ?? process.env['IMGPIPE_DATA_DIR'] ?? '.imgpipe',
  });
  const counts = Object.entries(result.byDetailType)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  process.stdout.write(
    `${result.replayName}: replayed ${result.replayed} event(s) from ${result.from} to ${result.to}` +
      `${counts ? ` (${counts})` : ''}${describeSkipped(result)} via the ${result.via === 'running' ? 'running runtime' : 'runtime started for it'}\n`,
  );
  return 0;
}
