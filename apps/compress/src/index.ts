export * from './compress-image.use-case';
export * from './config';
export * from './compress.composition';
export * from './add-avif-variant.use-case';
export * from './avif.config';
export * from './avif.composition';
export * from './errors';
