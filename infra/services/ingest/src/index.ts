export * from './ingest.construct';
export * from './ingest.stack';
