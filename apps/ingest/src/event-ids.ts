import { createHash } from 'node:crypto';

/**
 * A UUID (version 8, RFC 9562's custom layout) derived from `name` with SHA-256.
 *
 * Why deterministic ids: S3 notifications and DELETE requests arrive more than once, and
 * the event store keeps one event per `eventId`. Deriving the id from what makes the
 * event the same event (the image, the bytes' ETag) means a redelivery re-publishes the
 * same id and is stored once, with no lookup before publishing.
 */
export function deterministicEventId(name: string): string {
  const hex = createHash('sha256').update(`imgpipe.ingest:${name}`, 'utf8').digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
