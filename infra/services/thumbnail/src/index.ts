export * from './thumbnail.construct';
export * from './thumbnail.stack';
