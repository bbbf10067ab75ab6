export * from './metadata.construct';
export * from './metadata.stack';
