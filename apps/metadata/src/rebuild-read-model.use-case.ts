import { ConcurrencyConflictError, type ImageEventStore, type ImageReadModel } from '@imgpipe/platform';
import { DEFAULT_MAX_ATTEMPTS } from './config';
import { replaceRecord } from './append-and-project.use-case';
import { projectImage, type ImageMetadata, type ProjectionOptions } from './projection';

export interface RebuildReadModelDeps {
  readonly events: ImageEventStore;
  readonly readModel: ImageReadModel<ImageMetadata>;
  readonly projection?: ProjectionOptions;
  /** Attempts per image under concurrent writers (default {@link DEFAULT_MAX_ATTEMPTS}). */
  readonly maxAttempts?: number;
}

/**
 * What a rebuild did to one record: `rebuilt` (written), `unchanged` (already what the
 * history projects to), `removed` (a record without any history) or `absent` (neither).
 */
export type RebuildOutcome = 'rebuilt' | 'unchanged' | 'removed' | 'absent';

export interface RebuildResult {
  readonly imageId: string;
  readonly outcome: RebuildOutcome;
  /** The record's revision afterwards (0 when there is none). */
  readonly revision: number;
}

export interface RebuildAllResult {
  /** Images whose history was projected. */
  readonly images: number;
  readonly rebuilt: number;
  readonly unchanged: number;
  /** Images the rebuild could not project, with why; the others were still rebuilt. */
  readonly failed: ReadonlyArray<{ readonly imageId: string; readonly error: Error }>;
}

/**
 * Re-projects one image's read-model record from its history, exactly as the live path
 * projects it (the same pure `projectImage`), and overwrites whatever the record holds —
 * even at the same revision, so a fixed projection repairs records. Conditional on the
 * revision read; a concurrent writer makes it reload and retry.
 */
export function createRebuildReadModel(deps: RebuildReadModelDeps): (imageId: string) => Promise<RebuildResult> {
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  return async function rebuildReadModel(imageId) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const [history, current] = await Promise.all([deps.events.load(imageId), deps.readModel.get(imageId)]);
        const record = projectImage(history, deps.projection);
        if (!record) {
          if (!current) return { imageId, outcome: 'absent', revision: 0 };
          await deps.readModel.remove(current, { expectedRevision: current.revision });
          return { imageId, outcome: 'removed', revision: 0 };
        }
        if (current && sameData(current, record)) return { imageId, outcome: 'unchanged', revision: record.revision };
        await replaceRecord(deps.readModel, record, current);
        return { imageId, outcome: 'rebuilt', revision: record.revision };
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError) || attempt >= maxAttempts) throw error;
      }
    }
  };
}

/**
 * Rebuilds the record of every image the event store has a history for, one image at a
 * time. An image that fails is reported and the rest still rebuilt. Records of images
 * without any history are not visited (the read model port has no scan).
 */
export function createRebuildAll(deps: RebuildReadModelDeps): () => Promise<RebuildAllResult> {
  const rebuild = createRebuildReadModel(deps);
  return async function rebuildAll() {
    let images = 0;
    let rebuilt = 0;
    let unchanged = 0;
    const failed: Array<{ imageId: string; error: Error }> = [];
    for await (const imageId of deps.events.scanImageIds()) {
      images += 1;
      try {
        const result = await rebuild(imageId);
        if (result.outcome === 'rebuilt') rebuilt += 1;
        if (result.outcome === 'unchanged') unchanged += 1;
      } catch (error) {
        failed.push({ imageId, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return { images, rebuilt, unchanged, failed };
  };
}

/**
 * Whether two records hold the same data. Compared as canonical JSON (keys sorted): records
 * are plain data, and a prototype-aware comparison would tell apart copies made in another
 * realm (structuredClone under a VM context) that hold the same data.
 */
function sameData(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
