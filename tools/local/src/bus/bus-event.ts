import { randomUUID } from 'node:crypto';
import type { EventBridgeEventShape } from '@imgpipe/contracts';
import { DEFAULT_EVENT_BUS_NAME, EVENT_BUS_NAME, type RuleEventBus } from '@imgpipe/workflow';

/** The buses of the local runtime: imgpipe's own and the account's default (S3 notifications). */
export type BusName = RuleEventBus;
export const BUS_NAMES: readonly BusName[] = [EVENT_BUS_NAME, DEFAULT_EVENT_BUS_NAME];

/**
 * An event as EventBridge delivers it to a rule's target. A replayed event also carries
 * `replay-name`, as EventBridge marks the events of a replay.
 */
export type BusEvent = EventBridgeEventShape<string, unknown> & { readonly 'replay-name'?: string };

/** The account and region the local runtime stamps on its events. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_EVENT_REGION = 'us-east-1';

/** What a producer hands the bus (the `PutEvents` entry). */
export interface BusEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  readonly time?: Date;
  readonly resources?: readonly string[];
}

/** The event EventBridge makes of a `PutEvents` entry: a fresh id, the time, account and region. */
export function toBusEvent(entry: BusEntry, now: Date = new Date()): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.detailType,
    source: entry.source,
    account: LOCAL_ACCOUNT,
    time: (entry.time ?? now).toISOString(),
    region: LOCAL_EVENT_REGION,
    resources: [...(entry.resources ?? [])],
    detail: entry.detail,
  };
}
