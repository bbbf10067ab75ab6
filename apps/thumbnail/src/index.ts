export * from './generate-thumbnails.use-case';
export * from './config';
export { handler as generateThumbnailsHandler } from './handlers/generate-thumbnails.handler';
