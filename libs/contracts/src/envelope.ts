import type { AnyContract, DataInputOf, EnvelopeOf, EventSource, SourceOf } from './contract';
import { contractLabel } from './contract';
import { ContractError, fromZodIssues, type ContractIssue } from './errors';
import { LIMITS } from './fields';

/** What {@link createEnvelope} needs besides the data. */
export interface CreateEnvelopeOptions {
  /** Carried through every event of one pipeline run. */
  readonly correlationId: string;
  /** Defaults to a random UUID. */
  readonly eventId?: string;
  /** Defaults to now. */
  readonly occurredAt?: string;
}

/**
 * Builds the `detail` of an event, validating the data against the contract.
 *
 * @throws {ContractError} when the data (or the ids) do not fit the contract.
 * @example
 * ```ts
 * const detail = createEnvelope(ImageUploadedV1, data, { correlationId });
 * await publisher.publish(toPutEventsEntry(ImageUploadedV1, detail, busName));
 * ```
 */
export function createEnvelope<C extends AnyContract>(
  contract: C,
  data: DataInputOf<C>,
  options: CreateEnvelopeOptions,
): EnvelopeOf<C> {
  return parseDetailObject(contract, {
    version: contract.version,
    eventId: options.eventId ?? globalThis.crypto.randomUUID(),
    correlationId: options.correlationId,
    occurredAt: options.occurredAt ?? new Date().toISOString(),
    data,
  });
}

/** One entry of an EventBridge `PutEvents` request (the SDK's `PutEventsRequestEntry` shape). */
export interface PutEventsEntry<TSource extends string = string, TDetailType extends string = string> {
  readonly Source: TSource;
  readonly DetailType: TDetailType;
  /** The envelope, as JSON. */
  readonly Detail: string;
  readonly EventBusName: string;
}

/** Which of a contract's sources publishes; required when it has more than one. */
export type PublishOptionsArgs<C extends AnyContract> = C['sources'] extends readonly [EventSource]
  ? [options?: { readonly source?: SourceOf<C> }]
  : [options: { readonly source: SourceOf<C> }];

/**
 * The `PutEvents` entry for an envelope. The envelope is validated again (a producer
 * publishes nothing its contract would refuse) and must fit EventBridge's 256 KB limit.
 * A contract with several sources needs `{ source }`, so no producer publishes under
 * another's name by default.
 *
 * @throws {ContractError} when the envelope does not fit the contract or is too large.
 */
export function toPutEventsEntry<C extends AnyContract>(
  contract: C,
  envelope: EnvelopeOf<C>,
  eventBusName: string,
  ...[options]: PublishOptionsArgs<C>
): PutEventsEntry<SourceOf<C>, C['detailType']> {
  const source = pickSource(contract, options?.source);
  const detail = JSON.stringify(parseDetailObject(contract, envelope));
  const bytes = new TextEncoder().encode(detail).length;
  if (bytes > LIMITS.detailBytes) {
    throw new ContractError(contractLabel(contract), [
      { path: [], code: 'too_large', message: `detail is ${bytes} bytes, over EventBridge's ${LIMITS.detailBytes}` },
    ]);
  }
  return { Source: source, DetailType: contract.detailType, Detail: detail, EventBusName: eventBusName };
}

/** The event as EventBridge delivers it to a target (the `EventBridgeEvent` of `aws-lambda`). */
export interface EventBridgeEventShape<TDetailType extends string = string, TDetail = unknown> {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': TDetailType;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: TDetail;
}

/** Overrides for {@link toEventBridgeEvent}; the defaults are deterministic. */
export interface EventBridgeEventOptions<TSource extends string = string> {
  /** Defaults to the contract's primary source. */
  readonly source?: TSource;
  /** Defaults to the envelope's `eventId`. */
  readonly id?: string;
  /** Defaults to the envelope's `occurredAt`. */
  readonly time?: string;
  readonly account?: string;
  readonly region?: string;
}

/**
 * The event a rule's target receives for an envelope — what the local bus delivers and
 * what consumer tests feed a handler.
 */
export function toEventBridgeEvent<C extends AnyContract>(
  contract: C,
  envelope: EnvelopeOf<C>,
  options: EventBridgeEventOptions<SourceOf<C>> = {},
): EventBridgeEventShape<C['detailType'], EnvelopeOf<C>> {
  return {
    version: '0',
    id: options.id ?? envelope.eventId,
    'detail-type': contract.detailType,
    source: pickSource(contract, options.source ?? contract.source),
    account: options.account ?? '000000000000',
    time: options.time ?? envelope.occurredAt,
    region: options.region ?? 'us-east-1',
    resources: [],
    detail: envelope,
  };
}

/**
 * Parses an event's `detail` (an object, or its JSON text) with the contract.
 * Unknown fields are dropped: a consumer reads what its version knows (tolerant reader).
 *
 * @throws {ContractError} naming every field that does not fit.
 */
export function parseDetail<C extends AnyContract>(contract: C, detail: unknown): EnvelopeOf<C> {
  return parseDetailObject(contract, fromJsonText(contract, detail, []));
}

/**
 * Parses the event a rule target receives (or its JSON text, e.g. an SQS message body):
 * checks `source` is one of the contract's sources, `detail-type` and `detail.version`
 * are the contract's, then parses the detail.
 *
 * @throws {ContractError} naming every field that does not fit, e.g.
 * `ImageUploaded v1: detail.data.original.size: expected number, received string`.
 */
export function parseEventBridgeEvent<C extends AnyContract>(contract: C, event: unknown): EnvelopeOf<C> {
  const value = fromJsonText(contract, event, []);
  const issues = routeIssues(contract, value);
  if (issues.length > 0) throw new ContractError(contractLabel(contract), issues);
  return parseDetailObject(contract, (value as { detail: unknown }).detail, ['detail']);
}

/**
 * Why `event` is not routed to this contract (wrong source, detail-type or version);
 * empty when it is. Checked before the detail, so the error says "wrong event" rather
 * than listing every field of another event's data.
 */
export function routeIssues(contract: AnyContract, event: unknown): ContractIssue[] {
  if (!isRecord(event)) return [{ path: [], code: 'invalid_type', message: 'expected an EventBridge event object' }];
  const issues: ContractIssue[] = [];
  if (!(contract.sources as readonly unknown[]).includes(event['source'])) {
    issues.push({
      path: ['source'],
      code: 'wrong_route',
      message: `expected one of ${contract.sources.join(', ')}`,
    });
  }
  if (event['detail-type'] !== contract.detailType) {
    issues.push({ path: ['detail-type'], code: 'wrong_route', message: `expected ${contract.detailType}` });
  }
  const detail = event['detail'];
  if (!isRecord(detail)) {
    issues.push({ path: ['detail'], code: 'invalid_type', message: 'expected object' });
  } else if (detail['version'] !== contract.version) {
    issues.push({ path: ['detail', 'version'], code: 'wrong_route', message: `expected ${contract.version}` });
  }
  return issues;
}

function parseDetailObject<C extends AnyContract>(
  contract: C,
  detail: unknown,
  prefix: readonly (string | number)[] = [],
): EnvelopeOf<C> {
  const result = contract.detail.safeParse(detail);
  if (!result.success) {
    throw new ContractError(contractLabel(contract), fromZodIssues(result.error.issues, prefix), {
      cause: result.error,
    });
  }
  return result.data as EnvelopeOf<C>;
}

function fromJsonText(contract: AnyContract, input: unknown, path: readonly (string | number)[]): unknown {
  if (typeof input !== 'string') return input;
  // Bounded before parsing: hostile text must not cost a large parse. An EventBridge
  // event is its detail plus a few hundred bytes of routing fields.
  if (input.length > LIMITS.detailBytes + 4096) {
    throw new ContractError(contractLabel(contract), [
      { path, code: 'too_large', message: `JSON text of ${input.length} characters is over the event size limit` },
    ]);
  }
  try {
    return JSON.parse(input) as unknown;
  } catch (error) {
    throw new ContractError(contractLabel(contract), [{ path, code: 'invalid_json', message: 'is not valid JSON' }], {
      cause: error,
    });
  }
}

function pickSource<C extends AnyContract>(contract: C, source: string | undefined): SourceOf<C> {
  if (source === undefined) {
    if (contract.sources.length === 1) return contract.source;
    throw new ContractError(contractLabel(contract), [
      {
        path: ['source'],
        code: 'wrong_route',
        message: `name the publishing source: one of ${contract.sources.join(', ')}`,
      },
    ]);
  }
  if (!(contract.sources as readonly string[]).includes(source)) {
    throw new ContractError(contractLabel(contract), [
      { path: ['source'], code: 'wrong_route', message: `expected one of ${contract.sources.join(', ')}` },
    ]);
  }
  return source as SourceOf<C>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
