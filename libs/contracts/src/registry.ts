import type { AnyContract, EnvelopeOf, SourceOf } from './contract';
import { ContractError } from './errors';
import { parseEventBridgeEvent, routeIssues } from './envelope';
import { ImageCompressedV1, ImageCompressedV2 } from './events/image-compressed.contract';
import { ImageDeletedV1, ImageDeletedV2 } from './events/image-deleted.contract';
import { ImageProcessedV1, ImageProcessedV2 } from './events/image-processed.contract';
import { ImageProcessingFailedV1 } from './events/image-processing-failed.contract';
import { ImagePurgedV1 } from './events/image-purged.contract';
import { ImageRestoredV1 } from './events/image-restored.contract';
import { ImageUploadedV1 } from './events/image-uploaded.contract';
import { ThumbnailsGeneratedV1, ThumbnailsGeneratedV2, ThumbnailsGeneratedV3 } from './events/thumbnails-generated.contract';
import { UploadRefusedV1 } from './events/upload-refused.contract';
import { ImageVariantAddedV1 } from './events/image-variant-added.contract';

/**
 * Every version of every event, oldest version first within an event. A new version is
 * added here next to the old one; a published version is never removed (its stored
 * examples keep being parsed).
 */
export const allContracts = [
  ImageUploadedV1,
  ImageCompressedV1,
  ImageCompressedV2,
  ThumbnailsGeneratedV1,
  ThumbnailsGeneratedV2,
  ThumbnailsGeneratedV3,
  ImageProcessedV1,
  ImageProcessedV2,
  ImageProcessingFailedV1,
  ImageDeletedV1,
  ImageDeletedV2,
  ImageRestoredV1,
  ImagePurgedV1,
  UploadRefusedV1,
  ImageVariantAddedV1,
] as const;

/** Any contract in {@link allContracts}. */
export type KnownContract = (typeof allContracts)[number];

/**
 * Contracts whose events are no image's history: audit records (`UploadRefused`: its image
 * and owner are known only when a grant proves them). The metadata rule leaves them out.
 */
export const auditOnlyContracts = [UploadRefusedV1] as const;

/** A contract whose events belong to one image's history (every one carries `imageId`). */
export type ImageHistoryContract = Exclude<KnownContract, (typeof auditOnlyContracts)[number]>;

/** Every contract but {@link auditOnlyContracts}: the events appended to an image's history. */
export const imageHistoryContracts: readonly ImageHistoryContract[] = allContracts.filter(
  (contract): contract is ImageHistoryContract => !(auditOnlyContracts as readonly KnownContract[]).includes(contract),
);

/**
 * The contract for a `detail-type` and `detail.version`, or `undefined` when there is
 * none. With literal arguments the result is the exact contract type.
 */
export function findContract<const D extends string, const V extends number>(
  detailType: D,
  version: V,
): Extract<KnownContract, { detailType: D; version: V }> | undefined {
  return allContracts.find((c) => c.detailType === detailType && c.version === version) as
    | Extract<KnownContract, { detailType: D; version: V }>
    | undefined;
}

/** A parsed event of one of several contracts; narrow on `detailType` (and `version`). */
export type ParsedEvent<C extends AnyContract> = C extends AnyContract
  ? {
      readonly detailType: C['detailType'];
      readonly version: C['version'];
      readonly source: SourceOf<C>;
      readonly contract: C;
      readonly envelope: EnvelopeOf<C>;
    }
  : never;

/**
 * Parses an EventBridge event (or its JSON text) as whichever of `contracts` it is routed
 * to by `source`, `detail-type` and `detail.version` — for a consumer of several events.
 *
 * @throws {ContractError} when no contract matches, or the matching one refuses the event.
 * @example
 * ```ts
 * const event = parseKnownEvent([ImageProcessedV1, ImageProcessingFailedV1], record.body);
 * if (event.detailType === 'ImageProcessed') notifyDone(event.envelope.data);
 * ```
 */
export function parseKnownEvent<const C extends AnyContract>(contracts: readonly C[], event: unknown): ParsedEvent<C> {
  const value: unknown = typeof event === 'string' ? safeJson(event) : event;
  const contract = contracts.find((c) => routeIssues(c, value).length === 0);
  if (!contract) {
    const known = contracts.map((c) => `${c.detailType} v${c.version}`).join(', ');
    throw new ContractError(known || 'no contract', [
      { path: [], code: 'wrong_route', message: `not one of the expected events (${known})` },
    ]);
  }
  const envelope = parseEventBridgeEvent(contract, event);
  return {
    detailType: contract.detailType,
    version: contract.version,
    source: (value as { source: string }).source,
    contract,
    envelope,
  } as ParsedEvent<C>;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // parseEventBridgeEvent reports it
  }
}

/** An EventBridge rule's event pattern. */
export interface EventPattern {
  readonly source: string[];
  readonly 'detail-type': string[];
  readonly detail: { readonly version: number[] };
}

/**
 * The event pattern of a rule that delivers these contracts — every source each may come
 * from (ImageProcessingFailed: metadata and ingest), so no rule forgets one. Patterns
 * match fields independently, so a mix of types and versions may also let through a
 * combination no contract has; the consumer's parse refuses those.
 *
 * @example
 * ```ts
 * toEventPattern([ImageProcessedV1, ImageProcessingFailedV1])
 * // { source: ['imgpipe.metadata', 'imgpipe.ingest'],
 * //   'detail-type': ['ImageProcessed', 'ImageProcessingFailed'], detail: { version: [1] } }
 * ```
 */
export function toEventPattern(contracts: readonly AnyContract[]): EventPattern {
  if (contracts.length === 0) throw new Error('toEventPattern needs at least one contract');
  const unique = <T>(values: T[]): T[] => [...new Set(values)];
  return {
    source: unique(contracts.flatMap((c) => [...c.sources])),
    'detail-type': unique(contracts.map((c) => c.detailType)),
    detail: { version: unique(contracts.map((c) => c.version)).sort((a, b) => a - b) },
  };
}
