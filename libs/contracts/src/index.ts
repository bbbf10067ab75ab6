/**
 * imgpipe's event contracts: one module per event version (zod schema, type, examples),
 * the shared envelope and the helpers that build and parse the EventBridge shapes.
 */
export * from './vocabulary';
export * from './fields';
export * from './imgpipe-error';
export * from './errors';
export * from './contract';
export * from './envelope';
export * from './events/image-uploaded.contract';
export * from './events/image-compressed.contract';
export * from './events/thumbnails-generated.contract';
export * from './events/image-processed.contract';
export * from './events/image-processing-failed.contract';
export * from './events/image-deleted.contract';
export * from './events/image-restored.contract';
export * from './events/image-purged.contract';
export * from './events/upload-refused.contract';
export * from './events/image-variant-added.contract';
export * from './registry';
export * from './lifecycle';
export * from './fold';
export * from './redaction';
export * from './examples';
export * from './json-schema';
export * from './views';
export * from './delivery-record';
