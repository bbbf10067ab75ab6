export * from './compress.construct';
export * from './compress.stack';
