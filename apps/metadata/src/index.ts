/**
 * The metadata service: every event of an image appended to its history (the event store)
 * and projected into the read model (`image-metadata`); the state machine's record tasks;
 * the bus consumer; read-model rebuilds.
 */
export * from './errors';
export * from './config';
export * from './projection';
export * from './metrics';
export * from './stored-events';
export * from './append-and-project.use-case';
export * from './record-metadata.use-case';
export * from './record-failure.use-case';
export * from './record-thumbnails.use-case';
export * from './record-pipeline-event.use-case';
export * from './compile-schemas';
export * from './rebuild-read-model.use-case';
export * from './purge-deleted.use-case';
export * from './reconcile-stuck.use-case';
export * from './discarded-run';
export * from './metadata-service';
export * from './metadata.composition';
// The entry points' adapters are wired by `createMetadataHandlers` only: no caller rewires them.
export type { OnPipelineEventResult } from './handlers/on-pipeline-event.adapter';
export {
  RebuildReadModelInputSchema,
  type RebuildReadModelInput,
  type RebuildReadModelOutput,
} from './handlers/rebuild-read-model.adapter';
export { PurgeDeletedInputSchema, type PurgeDeletedOutput } from './handlers/purge-deleted.adapter';
export { ReconcileStuckInputSchema, type ReconcileStuckOutput } from './handlers/reconcile-stuck.adapter';
export type { RecordThumbnailsOutput } from './handlers/record-thumbnails.adapter';
