import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  ListRulesCommand,
  StartReplayCommand,
  type EventBridgeClient,
  type ReplayState,
  type Rule,
} from '@aws-sdk/client-eventbridge';
import { matchesEventPattern } from '@imgpipe/workflow';
import { sleep } from '../cli-io';
import { UnavailableError, UsageError } from '../errors';

/** The states after which a replay does nothing more. */
export const FINAL_REPLAY_STATES: ReadonlySet<ReplayState> = new Set<ReplayState>(['COMPLETED', 'FAILED', 'CANCELLED']);

/** What to replay, and where to. */
export interface AwsReplayRequest {
  /** 1-64 of `.`, `-`, `_`, A-Z, a-z, 0-9; unique in the account and region. */
  readonly name: string;
  /** The archive (`EventArchiveArn` of the foundation stack). */
  readonly archiveArn: string;
  /** The bus the events go back to; default: the archive's own source bus (`DescribeArchive`). */
  readonly busArn?: string;
  /** Inclusive, on the events' time. */
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
  /**
   * Deliver only to the rules whose pattern accepts one of these detail-types. EventBridge
   * filters a replay by rule, not by event: every archived event of the window goes to the
   * chosen rules, which match them as usual.
   */
  readonly detailTypes?: readonly string[];
  /** Deliver only to these rules (overrides `detailTypes`). */
  readonly ruleArns?: readonly string[];
  readonly description?: string;
}

export interface AwsReplayOptions {
  /** Between `DescribeReplay` calls (default 5 s). */
  readonly pollIntervalMs?: number;
  /** Follow the replay to a final state (default true); false: return once started. */
  readonly wait?: boolean;
  /** Each state seen while following. */
  readonly onProgress?: (progress: AwsReplayProgress) => void;
}

export interface AwsReplayProgress {
  readonly state: ReplayState | 'UNKNOWN';
  /** The time, within the window, of the last event replayed. */
  readonly lastReplayed?: Date;
  /** How far through the window (0..1), from `lastReplayed`. */
  readonly fraction?: number;
}

export interface AwsReplayResult {
  readonly name: string;
  readonly arn?: string;
  /** The last state seen (`STARTING` when not followed). */
  readonly state: ReplayState | 'UNKNOWN';
  readonly stateReason?: string;
  readonly busArn: string;
  /** The rules the replay delivers to; empty: every rule of the bus. */
  readonly filterArns: readonly string[];
  readonly from: string;
  readonly to: string;
}

/** The archive's name in its ARN (`arn:aws:events:<region>:<account>:archive/<name>`). */
export function archiveNameOf(archiveArn: string): string {
  const match = /^arn:[^:]+:events:[^:]*:\d*:archive\/(.+)$/.exec(archiveArn);
  if (!match?.[1]) throw new UsageError(`not an EventBridge archive ARN: ${archiveArn}`);
  return match[1];
}

/** A replay name EventBridge accepts, from the time it starts: `imgpipe-replay-20250601T120000Z`. */
export function defaultReplayName(now: Date): string {
  return `imgpipe-replay-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * The ARNs of the rules whose pattern accepts an event of one of `detailTypes`. Rules
 * managed by AWS (the archive's own) are left out; a rule whose pattern says nothing of
 * `detail-type`, or uses `$or`, is kept (it may accept one).
 */
export function rulesAccepting(rules: readonly Rule[], detailTypes: readonly string[]): string[] {
  const arns: string[] = [];
  for (const rule of rules) {
    if (!rule.Arn || rule.ManagedBy) continue;
    let pattern: Record<string, unknown>;
    try {
      pattern = JSON.parse(rule.EventPattern ?? '{}') as Record<string, unknown>;
    } catch {
      continue;
    }
    const constraint = pattern['detail-type'];
    const accepts =
      constraint === undefined || '$or' in pattern || detailTypes.some((type) => matchesEventPattern({ 'detail-type': constraint }, { 'detail-type': type }));
    if (accepts) arns.push(rule.Arn);
  }
  return arns;
}

async function listRules(client: EventBridgeClient, busArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListRulesCommand({ EventBusName: busArn, ...(NextToken ? { NextToken } : {}) }));
    rules.push(...(page.Rules ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return rules;
}

/**
 * Starts an EventBridge replay of `archiveArn` onto its bus (`StartReplay`), then follows
 * it with `DescribeReplay` until it is COMPLETED, FAILED or CANCELLED. The bus is the
 * archive's source (`DescribeArchive`) unless given; detail-types become the `FilterArns`
 * of the rules that accept them (`ListRules` on the bus).
 *
 * @throws UnavailableError when no rule of the bus accepts the detail-types.
 * @example
 * await replayOnAws(new EventBridgeClient({}), { name: 'reprocess-june', archiveArn, from, to, detailTypes: ['ImageUploaded'] });
 */
export async function replayOnAws(client: EventBridgeClient, request: AwsReplayRequest, options: AwsReplayOptions = {}): Promise<AwsReplayResult> {
  if (!(request.from.getTime() < request.to.getTime())) {
    throw new UsageError(`the replay window is empty: from ${request.from.toISOString()} is not before to ${request.to.toISOString()}`);
  }
  let busArn = request.busArn;
  if (!busArn) {
    const archive = await client.send(new DescribeArchiveCommand({ ArchiveName: archiveNameOf(request.archiveArn) }));
    if (!archive.EventSourceArn) throw new UnavailableError(`the archive ${request.archiveArn} names no source bus`);
    busArn = archive.EventSourceArn;
  }
  let filterArns: readonly string[] = request.ruleArns ?? [];
  if (filterArns.length === 0 && request.detailTypes && request.detailTypes.length > 0) {
    filterArns = rulesAccepting(await listRules(client, busArn), request.detailTypes);
    if (filterArns.length === 0) {
      throw new UnavailableError(`no rule on ${busArn} accepts ${request.detailTypes.join(' or ')}: nothing would receive the replay`);
    }
  }
  const started = await client.send(
    new StartReplayCommand({
      ReplayName: request.name,
      ...(request.description ? { Description: request.description } : {}),
      EventSourceArn: request.archiveArn,
      EventStartTime: request.from,
      EventEndTime: request.to,
      Destination: { Arn: busArn, ...(filterArns.length > 0 ? { FilterArns: [...filterArns] } : {}) },
    }),
  );
  const result = {
    name: request.name,
    ...(started.ReplayArn ? { arn: started.ReplayArn } : {}),
    busArn,
    filterArns,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
  };
  let state: ReplayState | 'UNKNOWN' = started.State ?? 'UNKNOWN';
  let stateReason = started.StateReason;
  if (options.wait === false) return { ...result, state, ...(stateReason ? { stateReason } : {}) };

  const window = request.to.getTime() - request.from.getTime();
  while (!FINAL_REPLAY_STATES.has(state as ReplayState)) {
    await sleep(options.pollIntervalMs ?? 5000);
    const described = await client.send(new DescribeReplayCommand({ ReplayName: request.name }));
    state = described.State ?? 'UNKNOWN';
    stateReason = described.StateReason;
    const last = described.EventLastReplayedTime;
    options.onProgress?.({
      state,
      ...(last ? { lastReplayed: last, fraction: Math.min(1, Math.max(0, (last.getTime() - request.from.getTime()) / window)) } : {}),
    });
  }
  return { ...result, state, ...(stateReason ? { stateReason } : {}) };
}
