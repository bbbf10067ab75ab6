export * from './compress-image.use-case';
export * from './config';
export * from './compress.composition';
