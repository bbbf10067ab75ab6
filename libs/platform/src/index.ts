export * from './errors';
export * from './ports/object-store.port';
export * from './ports/in-memory-object-store';
export * from './object-keys';
export * from './task-error';
