import { z } from 'zod';
import { CorrelationId, IsoDateTime } from './fields';

/** Every event name (the EventBridge `detail-type`). */
export const EVENT_NAMES = [
  'ImageUploaded',
  'ImageCompressed',
  'ThumbnailsGenerated',
  'ImageProcessed',
  'ImageProcessingFailed',
  'ImageDeleted',
  'ImageRestored',
  'ImagePurged',
  'UploadRefused',
  'ImageVariantAdded',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Every producer (the EventBridge `source`): `imgpipe.<service>`. */
export const EVENT_SOURCES = ['imgpipe.ingest', 'imgpipe.compress', 'imgpipe.thumbnail', 'imgpipe.metadata'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** The sources a contract may be published from; the first is its primary source. */
export type SourceList = readonly [EventSource, ...EventSource[]];

/**
 * The envelope every event's `detail` carries, defined once. `version` is the contract
 * version, `eventId` is unique per event (consumers deduplicate on it), `correlationId`
 * ties together every event of one pipeline run.
 */
const BaseEnvelope = z.object({
  version: z.int().positive(),
  eventId: z.uuid().describe('Unique per event; consumers deduplicate on it.'),
  correlationId: CorrelationId,
  occurredAt: IsoDateTime.describe('When the event happened (UTC).'),
});

/** The `detail` of an event: the envelope around a contract's data. */
export type EventEnvelope<TData = unknown, TVersion extends number = number> = Omit<
  z.output<typeof BaseEnvelope>,
  'version'
> & { readonly version: TVersion; readonly data: TData };

/** The zod schema of a contract's whole `detail`: the envelope with its data. */
export function envelopeSchema<const V extends number, D extends z.ZodType>(version: V, data: D) {
  return BaseEnvelope.extend({ version: z.literal(version), data });
}
export type DetailSchema<V extends number, D extends z.ZodType> = ReturnType<typeof envelopeSchema<V, D>>;

/** At least a minimal and a full example; more may be named (kebab-case names). */
export type ContractExamples<T> = { readonly minimal: T; readonly full: T } & { readonly [name: string]: T };

/**
 * One version of one event. Build it with {@link defineContract}.
 *
 * A contract that more than one service publishes (ImageProcessingFailed: the pipeline
 * and ingest's rejection) lists them all in `sources`; `source` is the first of them.
 * Rules match on all of `sources` (see `toEventPattern`), consumers accept any of them,
 * and a producer of such a contract must name its own source when it publishes.
 */
export interface EventContract<
  TName extends EventName = EventName,
  TVersion extends number = number,
  TData extends z.ZodType = z.ZodType,
  TSources extends SourceList = SourceList,
> {
  /** `<DetailType>.v<N>`: the file name of its JSON Schema and examples. */
  readonly id: `${TName}.v${TVersion}`;
  /** The EventBridge `detail-type`. */
  readonly detailType: TName;
  /** The contract version, carried as `detail.version`. */
  readonly version: TVersion;
  /** The primary EventBridge `source`. */
  readonly source: TSources[0];
  /** Every `source` this contract may be published from. */
  readonly sources: TSources;
  readonly description: string;
  /** The zod schema of `detail.data`. */
  readonly data: TData;
  /** The zod schema of the whole `detail` (envelope and data). */
  readonly detail: DetailSchema<TVersion, TData>;
  /** Example data; each is published to `examples/<id>/<name>.json` and must parse forever. */
  readonly examples: ContractExamples<z.input<TData>>;
}

/** Any version of any event. */
export type AnyContract = EventContract;
/** The parsed data of a contract. */
export type DataOf<C extends AnyContract> = z.output<C['data']>;
/** The data a producer hands to `createEnvelope`. */
export type DataInputOf<C extends AnyContract> = z.input<C['data']>;
/** The parsed `detail` of a contract. */
export type EnvelopeOf<C extends AnyContract> = EventEnvelope<DataOf<C>, C['version']>;
/** The sources a contract may be published from. */
export type SourceOf<C extends AnyContract> = C['sources'][number];

interface ContractDefinitionBase<N extends EventName, V extends number, D extends z.ZodType> {
  readonly detailType: N;
  readonly version: V;
  readonly description: string;
  readonly data: D;
  readonly examples: ContractExamples<z.input<D>>;
}

const EXAMPLE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Defines one version of one event.
 *
 * @example
 * ```ts
 * export const ImageDeletedV1 = defineContract({
 *   source: 'imgpipe.ingest',
 *   detailType: 'ImageDeleted',
 *   version: 1,
 *   description: 'An image and its derivatives were deleted.',
 *   data: ImageDeletedData,
 *   examples: { minimal: {...}, full: {...} },
 * });
 * ```
 * A contract with several producers passes `sources: ['imgpipe.metadata', 'imgpipe.ingest']`
 * instead of `source`.
 */
export function defineContract<
  const N extends EventName,
  const V extends number,
  D extends z.ZodType,
  const S extends EventSource,
>(definition: ContractDefinitionBase<N, V, D> & { readonly source: S }): EventContract<N, V, D, readonly [S]>;
export function defineContract<
  const N extends EventName,
  const V extends number,
  D extends z.ZodType,
  const S extends SourceList,
>(definition: ContractDefinitionBase<N, V, D> & { readonly sources: S }): EventContract<N, V, D, S>;
export function defineContract(
  definition: ContractDefinitionBase<EventName, number, z.ZodType> & {
    readonly source?: EventSource;
    readonly sources?: SourceList;
  },
): AnyContract {
  const { detailType, version, description, data, examples } = definition;
  const sources: SourceList | undefined = definition.sources ?? (definition.source ? [definition.source] : undefined);
  // Mistakes here are programming errors, caught the moment the module loads.
  if (!sources || sources.length === 0 || (definition.source && definition.sources)) {
    throw new Error(`${detailType}: give exactly one of source or sources`);
  }
  if (new Set(sources).size !== sources.length) throw new Error(`${detailType}: sources repeat`);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new Error(`${detailType}: version must be a positive integer, got ${version}`);
  }
  for (const name of Object.keys(examples)) {
    if (!EXAMPLE_NAME.test(name)) throw new Error(`${detailType} v${version}: example name ${name} is not kebab-case`);
  }
  return Object.freeze({
    id: `${detailType}.v${version}` as const,
    detailType,
    version,
    source: sources[0],
    sources: Object.freeze([...sources]) as unknown as SourceList,
    description,
    data,
    detail: envelopeSchema(version, data).describe(`${detailType} v${version}: ${description}`),
    examples,
  });
}

/** `ImageUploaded v1`, as error messages name a contract. */
export function contractLabel(contract: Pick<AnyContract, 'detailType' | 'version'>): string {
  return `${contract.detailType} v${contract.version}`;
}
