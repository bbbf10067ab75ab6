/**
 * The small readers the tolerant decoders share (api.ts, config.ts, oidc.ts): a value of
 * the wrong type reads as absent, never as an exception.
 */

export type Json = Record<string, unknown>;

/** Whether `value` is a JSON object (not an array, not `null`). */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` parsed as JSON; `undefined` when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `value` when it is a string. */
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `value` when it is a finite number. */
export const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Copies the defined values only, so optional fields stay absent rather than `undefined`. */
export function defined<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
