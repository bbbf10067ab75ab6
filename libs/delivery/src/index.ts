/**
 * `@imgpipe/delivery`: how processed images are served, in code both delivery paths run —
 * the CDN (bundled into a CloudFront Function, so plain and dependency-free) and the local
 * runtime's `/cdn/*`.
 */
export * from './negotiate-image-format';
export * from './delivery-record';
export * from './added-variant';
