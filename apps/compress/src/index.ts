export * from './compress-image.use-case';
export * from './config';
export { handler as compressImageHandler } from './handlers/compress-image.handler';
