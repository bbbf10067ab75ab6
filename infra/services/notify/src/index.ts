export * from './notify.construct';
export * from './notify.stack';
