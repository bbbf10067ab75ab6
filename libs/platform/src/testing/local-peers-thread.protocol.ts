import type { S3NotificationEvent, StartLocalDynamoOptions, StartLocalS3Options } from './local-peers';

/**
 * The messages between the main thread (local-peers-thread.ts) and the local peers' worker
 * thread (local-peers.worker.ts). One port, so the thread's notifications arrive in the order
 * s3rver emitted them.
 */

/** The thread's `workerData`: the options of `startLocalS3` and `startDynaliteServer`, as data. */
export interface PeersThreadData {
  readonly s3: Omit<StartLocalS3Options, 'onNotification'>;
  readonly dynamo: Omit<StartLocalDynamoOptions, 'tables'>;
}

/** Main thread -> peers thread. */
export type PeersThreadRequest = { readonly type: 'stop' };

/** An error as it crosses the thread (an `Error` loses its class and `code` in structured clone). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** Peers thread -> main thread. */
export type PeersThreadReply =
  | {
      readonly type: 'ready';
      readonly s3: { readonly endpoint: string; readonly port: number; readonly directory: string };
      readonly dynamo: { readonly endpoint: string; readonly port: number };
    }
  | { readonly type: 'failed'; readonly error: WireError }
  | { readonly type: 'notification'; readonly event: S3NotificationEvent }
  | { readonly type: 'stopped'; readonly error?: WireError };

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

/** The thread's error back as an `Error` with its name, code and stack (the `cause` of a {@link LocalPeersThreadError}). */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.code !== undefined) Object.assign(error, { code: wire.code });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
