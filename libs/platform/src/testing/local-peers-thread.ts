import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PlatformError } from '../errors';
import { LOCAL_CREDENTIALS, type LocalPeer, type LocalS3 } from './local-peers';
import { fromWireError, type PeersThreadData, type PeersThreadReply, type PeersThreadRequest } from './local-peers-thread.protocol';

/**
 * The local peers' worker thread could not start, or ended while it ran. `code`:
 * `PEERS_THREAD_START_FAILED` (no thread, or a peer did not start: the `cause` says which and
 * why) or `PEERS_THREAD_EXITED` (it ended, or was killed, after it was ready: the peers are gone).
 */
export class LocalPeersThreadError extends PlatformError<'PEERS_THREAD_START_FAILED' | 'PEERS_THREAD_EXITED'> {
  override readonly name = 'LocalPeersThreadError';
}

/** One S3 event notification record, as s3rver emits it (S3's record shape; tools/local types it). */
export type S3NotificationListener = (record: unknown) => void;

/** The S3 and DynamoDB peers running on a worker thread. */
export interface LocalPeersThread {
  readonly s3: LocalS3;
  /** No tables yet: create them with `createLocalTables`. */
  readonly dynamo: LocalPeer;
  /**
   * Subscribes to the S3 event notifications' records, in the order s3rver emitted them.
   * Records that arrive before the first listener are kept and given to it. Returns the
   * unsubscribe function.
   */
  onNotification(listener: S3NotificationListener): () => void;
  /** Stops both servers and ends the thread (stopping either peer stops both). */
  stop(): Promise<void>;
  /** The thread itself, for diagnostics and tests (ending it by hand is a thread that died). */
  readonly thread: Worker;
}

export interface StartLocalPeersThreadOptions extends Partial<PeersThreadData> {
  /**
   * Called once if the thread ends while it runs (not after `stop()`): the peers are gone and
   * every request to them now fails to connect. Default: nothing (the caller logs it).
   */
  readonly onExit?: (error: LocalPeersThreadError) => void;
  /** How long `stop()` waits for the thread to close its servers before terminating it (default 10 s). */
  readonly stopTimeoutMs?: number;
  /** How long the thread may take to be ready before the start fails and it is terminated (default 60 s). */
  readonly startTimeoutMs?: number;
}

const ENTRY = join(__dirname, 'local-peers.worker-entry.cjs');

/**
 * Starts s3rver and dynalite, each behind its gate (SigV4, POST policy, key confinement), on
 * one worker thread, so their HTTP parsing, signature checks, file and LevelDB work leave the
 * caller's event loop: `startLocalS3` and `startDynaliteServer` with the same options, run
 * there (local-peers.worker.ts). The endpoints are the same loopback URLs; S3's notifications
 * come back over the thread's port in order.
 *
 * @throws LocalPeersThreadError `PEERS_THREAD_START_FAILED` when the thread cannot be created,
 *   ends before it is ready, or a peer does not start (the thread's error as the `cause`).
 * @example
 * const peers = await startLocalPeersThread({ s3: { buckets: ['originals'] }, dynamo: {} });
 * await createLocalTables(peers.dynamo, tables);
 */
export async function startLocalPeersThread(options: StartLocalPeersThreadOptions = {}): Promise<LocalPeersThread> {
  const data: PeersThreadData = { s3: options.s3 ?? {}, dynamo: options.dynamo ?? {} };
  let worker: Worker;
  try {
    // No inherited flags: the parent's `--import tsx` would load tsx's loader in the thread too
    // (its memory; and its hooks hang esbuild's synchronous build in the entry). V8's flags
    // (--optimize-for-size, --max-semi-space-size) are the process's and apply here anyway.
    worker = new Worker(ENTRY, { workerData: data, execArgv: [] });
  } catch (error) {
    throw new LocalPeersThreadError({ code: 'PEERS_THREAD_START_FAILED', message: 'the local peers thread could not be created', cause: error });
  }
  const listeners = new Set<S3NotificationListener>();
  const early: unknown[] = [];
  let lastError: Error | undefined;
  let stopRequested = false;
  let isReady = false;
  let stoppedReply: { error?: Error } | undefined;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  worker.on('error', (error) => (lastError = error));
  worker.on('messageerror', (error) => (lastError = error));

  const ready = await new Promise<Extract<PeersThreadReply, { type: 'ready' }>>((resolve, reject) => {
    const failed = (message: string, cause: unknown) =>
      reject(new LocalPeersThreadError({ code: 'PEERS_THREAD_START_FAILED', message, ...(cause === undefined ? {} : { cause }) }));
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      failed(`the local peers thread was not ready after ${timeoutMs} ms`, undefined);
      void worker.terminate();
    }, timeoutMs);
    void exited.then(() => clearTimeout(timer));
    worker.on('message', (reply: PeersThreadReply) => {
      switch (reply.type) {
        case 'ready':
          clearTimeout(timer);
          isReady = true;
          return resolve(reply);
        case 'failed':
          clearTimeout(timer);
          return failed(`the local S3 and DynamoDB peers did not start: ${reply.error.message}`, fromWireError(reply.error));
        case 'notification':
          for (const record of reply.event.Records ?? []) {
            if (listeners.size === 0) early.push(record);
            for (const listener of listeners) listener(record);
          }
          return;
        case 'stopped':
          stoppedReply = reply.error ? { error: fromWireError(reply.error) } : {};
          return;
      }
    });
    void exited.then((code) => {
      failed(`the local peers thread ended (exit code ${code}) before it was ready`, lastError);
      if (!isReady || stopRequested) return;
      options.onExit?.(
        new LocalPeersThreadError({
          code: 'PEERS_THREAD_EXITED',
          message: `the local S3 and DynamoDB peers' thread ended (exit code ${code}) while running: the peers are gone`,
          ...(lastError === undefined ? {} : { cause: lastError }),
        }),
      );
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      stopRequested = true;
      worker.postMessage({ type: 'stop' } satisfies PeersThreadRequest);
      const timer = setTimeout(() => void worker.terminate(), options.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timer);
      if (stoppedReply?.error) throw stoppedReply.error;
    })());
  const credentials = data.s3.credentials ?? LOCAL_CREDENTIALS;
  return {
    s3: { ...ready.s3, credentials, stop },
    dynamo: { ...ready.dynamo, credentials: data.dynamo.credentials ?? LOCAL_CREDENTIALS, stop },
    onNotification(listener) {
      listeners.add(listener);
      for (const record of early.splice(0)) listener(record);
      return () => listeners.delete(listener);
    },
    stop,
    thread: worker,
  };
}
