import { parseDetail } from './envelope';
import { ORIGINALS_PREFIX } from './vocabulary';
import { findContract } from './registry';

/**
 * Erasure of an image's personal data from its stored events (and archived copies): what the
 * purge applies to a deleted image's history once its undo window is over, and what the local
 * bus archive applies to its copies, so the same rule redacts both.
 *
 * Personal data in imgpipe's events (checked against every contract): the uploader's
 * `filename` and the original's object key, which embeds it (`uploads/{user}/{image}/{name}`);
 * a failure's free-text `reason` may quote the name. No contract carries EXIF- or GPS-derived
 * fields (compress strips that metadata from every output and no event records it). The
 * owner's `userId` stays: it is the pseudonymous id the tombstone belongs to.
 *
 * One rule for every contract rather than a function per contract, so a contract added later
 * (any field named `filename`, any key under `uploads/`, any `reason`) is covered without an
 * edit here; `redaction.spec.ts` runs it over every contract's examples. Redacted events
 * still parse with their contract (placeholders, not removed fields), so a purged image's
 * history stays readable by every fold, forever.
 */

/** What a redacted filename, and the file part of a redacted original key, read. */
export const REDACTED = 'redacted';

/** Names shorter than this are not searched for in free text: they carry next to no information and would mangle it. */
const MIN_NAME_IN_TEXT = 3;
/** Fields that hold free text a person wrote from the event (and may quote the file name). */
const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set(['reason']);

/**
 * An original's key without its file name: `uploads/{user}/{image}/holiday.jpg` becomes
 * `uploads/{user}/{image}/redacted`. Keys outside `uploads/` (derivatives: `compressed/`,
 * `thumbnails/`, named by rendition, never by the uploader) are returned as they are.
 */
export function redactObjectKey(key: string): string {
  if (!key.startsWith(ORIGINALS_PREFIX)) return key;
  const parts = key.split('/');
  // uploads / user / image / name...: keep the owner and image, drop the rest.
  return parts.length >= 4 ? [...parts.slice(0, 3), REDACTED].join('/') : `${ORIGINALS_PREFIX}${REDACTED}`;
}

/**
 * A copy of an event's `detail` with its personal data replaced: every `filename` by
 * {@link REDACTED}, every original key by {@link redactObjectKey}, and the file names found
 * that way removed from free-text fields (`reason`). Idempotent; the input is not changed.
 *
 * @throws {ContractError} when `detailType` and `detail.version` name a contract and the
 *   redacted detail no longer fits it (a redaction rule out of step with a contract).
 * @example
 * await store.redact(imageId, (event) => redactEvent(event.detailType, event.detail));
 */
export function redactEvent<T extends Readonly<Record<string, unknown>>>(detailType: string, detail: T): T {
  const names = new Set<string>();
  collectNames(detail, undefined, names);
  const redacted = redactValue(detail, undefined, [...names].filter((n) => n.length >= MIN_NAME_IN_TEXT)) as T;
  const version = redacted['version'];
  const contract = typeof version === 'number' ? findContract(detailType, version) : undefined;
  if (contract) parseDetail(contract, redacted);
  return redacted;
}

function collectNames(value: unknown, field: string | undefined, names: Set<string>): void {
  if (typeof value === 'string') {
    if (field === 'filename' && value !== REDACTED) names.add(value);
    if (value.startsWith(ORIGINALS_PREFIX)) {
      const name = value.split('/').slice(3).join('/');
      if (name && name !== REDACTED) names.add(name);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) collectNames(item, field, names);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) collectNames(item, key, names);
  }
}

function redactValue(value: unknown, field: string | undefined, names: readonly string[]): unknown {
  if (typeof value === 'string') {
    if (field === 'filename') return REDACTED;
    if (value.startsWith(ORIGINALS_PREFIX)) return redactObjectKey(value);
    if (field !== undefined && FREE_TEXT_FIELDS.has(field)) {
      return names.reduce((text, name) => text.split(name).join(REDACTED), value);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, field, names));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, key, names)]));
  }
  return value;
}
