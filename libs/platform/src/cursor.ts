import { InvalidCursorError } from './errors';

/**
 * Pagination cursors: the last key of a page as base64url JSON. Opaque to callers; the
 * reader checks that the cursor belongs to the query it is given back to.
 */
export function encodeCursor(key: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor that must have exactly `fields` (all strings); anything else is an InvalidCursorError. */
export function decodeCursor<K extends string>(cursor: string, fields: readonly K[]): Record<K, string> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError(undefined, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidCursorError();
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== fields.length || !fields.every((f) => typeof record[f] === 'string')) {
    throw new InvalidCursorError();
  }
  return record as Record<K, string>;
}

/** Default and largest page sizes of a listing. */
export const PAGE_LIMITS = { default: 20, max: 100 } as const;

/** The page size to use; throws RangeError outside 1..{@link PAGE_LIMITS}.max. */
export function resolvePageLimit(limit: number | undefined): number {
  if (limit === undefined) return PAGE_LIMITS.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMITS.max) {
    throw new RangeError(`limit must be an integer from 1 to ${PAGE_LIMITS.max}, got ${limit}`);
  }
  return limit;
}
