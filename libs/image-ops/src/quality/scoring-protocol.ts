/**
 * The messages between `worker-scorer.ts` (the calling thread) and the scoring thread
 * (`scoring-service.ts`), and how an error crosses between them: structured clone keeps an
 * Error's message but not its class, `code` or `retryable`, so a classified error is sent
 * as its facts and built again on this side as the same class ({@link fromWire}), its `cause`
 * chain with it.
 *
 * Order: the scoring thread answers the requests in the order they were posted, one at a time,
 * and says `ready` before any answer. A message that cannot be read where it arrives
 * (`messageerror`) still takes its place in that order: the scoring thread counts every
 * message it receives, readable or not, so an unreadable one is answered `unreadable` with its
 * place (`seq`: the messages posted to that thread before it, releases included); on the calling
 * thread, an unreadable reply is the answer to the oldest request still pending.
 */
import { ImageOpsError, InvalidImageError } from '../errors';
import { INVALID_IMAGE_CODES, type InvalidImageCode } from '@imgpipe/contracts/vocabulary';
import type { RgbPixels } from './ssimulacra2';

/** To the scoring thread. `ref` names a prepared original there. */
export type ScoringRequest =
  | { readonly type: 'prepare'; readonly id: number; readonly ref: number; readonly pixels: RgbPixels }
  | { readonly type: 'score'; readonly id: number; readonly ref: number; readonly pixels: RgbPixels }
  | { readonly type: 'release'; readonly ref: number };

/** An error's facts, as they cross the thread boundary. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** Set for an `ImageOpsError` (and its subclasses). */
  readonly code?: string;
  readonly retryable?: boolean;
  /** The error's `cause`, as facts too (a chain at most {@link MAX_CAUSE_DEPTH} deep). */
  readonly cause?: WireError;
}

/** From the scoring thread. */
export type ScoringReply =
  /** Loaded and listening: requests may follow (the calling thread sends none before). */
  | { readonly type: 'ready' }
  /** The answer to request `id`. */
  | { readonly type: 'done'; readonly id: number; readonly score?: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError }
  /** The message at place `seq` could not be read (see the module comment). */
  | { readonly type: 'unreadable'; readonly seq: number; readonly error: WireError };

/** Causes kept at most: a cycle (`a.cause = a`) or a runaway chain stops there. */
export const MAX_CAUSE_DEPTH = 8;

/** `error`'s facts for the other thread, its `cause` chain included. */
export function toWire(error: unknown, depth = 0): WireError {
  const cause = error instanceof Error && error.cause !== undefined && depth < MAX_CAUSE_DEPTH ? { cause: toWire(error.cause, depth + 1) } : {};
  if (error instanceof ImageOpsError) return { name: error.name, message: error.message, code: error.code, retryable: error.retryable, ...cause };
  if (error instanceof Error) return { name: error.name, message: error.message, ...cause };
  return { name: 'Error', message: String(error) };
}

const isInvalidCode = (code: string): code is InvalidImageCode => (INVALID_IMAGE_CODES as readonly string[]).includes(code);

/** The error `toWire` described, as the class the calling thread would have seen in-thread, with its `cause` chain. */
export function fromWire(wire: WireError): Error {
  const cause = wire.cause === undefined ? {} : { cause: fromWire(wire.cause) };
  if (wire.code !== undefined) {
    if (wire.name === 'InvalidImageError' && isInvalidCode(wire.code)) return new InvalidImageError(wire.code, wire.message, cause);
    return new ImageOpsError({ code: wire.code, message: wire.message, retryable: wire.retryable ?? true, ...cause });
  }
  const ErrorClass = wire.name === 'RangeError' ? RangeError : wire.name === 'TypeError' ? TypeError : Error;
  const error = new ErrorClass(wire.message, cause);
  if (error.name !== wire.name) error.name = wire.name;
  return error;
}
