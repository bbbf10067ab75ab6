export * from './generate-thumbnails.use-case';
export * from './config';
export * from './thumbnail.composition';
