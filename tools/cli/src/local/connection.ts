import { resolve } from 'node:path';
import { dataLayout, readAdminToken, RuntimeAlreadyRunningError, runningRuntime, startLocalRuntime, type LocalRuntime } from '@imgpipe/local';
import { UnavailableError } from '../errors';
import { ApiError, RuntimeApi } from './runtime-api';

/** The data directory of `npm start` (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.imgpipe';
/** The user `npm start`'s sign-in URL signs in: images the CLI processes show in the browser. */
export const DEFAULT_USER = 'dev';

export interface ConnectOptions {
  /** A runtime's URL; without it, the one running on `dataDir`, or one started on it. */
  readonly url?: string;
  readonly dataDir: string;
  readonly user: string;
  /** Run unfinished work again when starting an embedded runtime (default true). */
  readonly recover?: boolean;
  /** Told when an embedded runtime is being started and when it is up. */
  readonly onEmbedded?: (event: { readonly phase: 'starting' } | { readonly phase: 'ready'; readonly url: string; readonly ms: number }) => void;
}

/** A signed-in connection to a local runtime. */
export interface RuntimeConnection {
  readonly api: RuntimeApi;
  readonly url: string;
  /** `url`: given; `running`: found on the data directory; `embedded`: started for this command. */
  readonly via: 'url' | 'running' | 'embedded';
  /** The embedded runtime, when this command started one. */
  readonly runtime?: LocalRuntime;
  /** Stops the embedded runtime, if any (its unfinished work is run again on its next start). */
  close(): Promise<void>;
}

async function signIn(url: string, user: string, dataDir: string): Promise<RuntimeApi> {
  // Operator actions (replay) use the admin token the runtime wrote to its data directory.
  const adminToken = () => readAdminToken(dataLayout(dataDir).adminToken);
  try {
    return await RuntimeApi.signIn(url, user, fetch, { adminToken });
  } catch (error) {
    // Nothing answered (the client's NETWORK error, status 0), or the runtime refused the user.
    if (error instanceof ApiError && error.status !== 0) throw new UnavailableError(`the runtime at ${url} refused to sign in "${user}": ${error.message}`, { cause: error });
    throw new UnavailableError(`no imgpipe runtime answers at ${url}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Finds the runtime to talk to and signs in `user`: the one at `url`; else the one running
 * on `dataDir` (`npm start`); else a runtime started for this command (no UI, a free port
 * on loopback), which `close()` stops.
 *
 * @throws UnavailableError when nothing answers at `url`, or the runtime refuses the user.
 */
export async function connectRuntime(options: ConnectOptions): Promise<RuntimeConnection> {
  const none = async () => undefined;
  const dataDir = resolve(options.dataDir);
  if (options.url) return { api: await signIn(options.url, options.user, dataDir), url: options.url, via: 'url', close: none };

  const running = await runningRuntime(dataDir);
  if (running) return { api: await signIn(running.url, options.user, dataDir), url: running.url, via: 'running', close: none };

  options.onEmbedded?.({ phase: 'starting' });
  const started = performance.now();
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({ dataDir, port: 0, web: false, ...(options.recover === false ? { recover: false } : {}) });
  } catch (error) {
    // Another process started on the directory in the meantime: use it.
    if (error instanceof RuntimeAlreadyRunningError) {
      return { api: await signIn(error.url, options.user, dataDir), url: error.url, via: 'running', close: none };
    }
    throw new UnavailableError(`could not start a local runtime on ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  // Recovery lists the originals with no history yet: let it finish before uploading more,
  // or it takes this command's fresh uploads for lost ones and announces them twice.
  await runtime.recovered.catch(() => undefined);
  options.onEmbedded?.({ phase: 'ready', url: runtime.url, ms: Math.round(performance.now() - started) });
  try {
    const api = await signIn(runtime.url, options.user, dataDir);
    return { api, url: runtime.url, via: 'embedded', runtime, close: () => runtime.stop() };
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}
