/**
 * The messages between `worker-scorer.ts` (the calling thread) and `ssimulacra2.worker.ts`
 * (the scoring thread), and how an error crosses between them: structured clone keeps an
 * Error's message but not its class, `code` or `retryable`, so a classified error is sent
 * as its facts and built again on this side as the same class ({@link fromWire}).
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
}

/** From the scoring thread: the answer to request `id`. */
export type ScoringReply =
  | { readonly type: 'done'; readonly id: number; readonly score?: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError };

/** `error`'s facts for the other thread. */
export function toWire(error: unknown): WireError {
  if (error instanceof ImageOpsError) return { name: error.name, message: error.message, code: error.code, retryable: error.retryable };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

const isInvalidCode = (code: string): code is InvalidImageCode => (INVALID_IMAGE_CODES as readonly string[]).includes(code);

/** The error `toWire` described, as the class the calling thread would have seen in-thread. */
export function fromWire(wire: WireError): Error {
  if (wire.code !== undefined) {
    if (wire.name === 'InvalidImageError' && isInvalidCode(wire.code)) return new InvalidImageError(wire.code, wire.message);
    return new ImageOpsError({ code: wire.code, message: wire.message, retryable: wire.retryable ?? true });
  }
  const error = wire.name === 'RangeError' ? new RangeError(wire.message) : wire.name === 'TypeError' ? new TypeError(wire.message) : new Error(wire.message);
  if (error.name !== wire.name) error.name = wire.name;
  return error;
}
