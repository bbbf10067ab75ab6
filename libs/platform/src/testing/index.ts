/**
 * `@imgpipe/platform/testing`: what tests and the local runtime stand on, never a Lambda:
 * in-memory and recording fakes of the ports, a manual clock, and the local protocol peers
 * (s3rver and dynalite on loopback behind the SigV4 and POST-policy gates, their key pair).
 * The production barrel (`@imgpipe/platform`) exports none of this; `production-bundle.spec.ts`
 * checks that no Lambda bundle reaches it.
 */
export * from '../ports/in-memory-object-store';
export * from '../ports/in-memory-image-event-store';
export * from '../ports/in-memory-image-read-model';
export * from '../ports/in-memory-upload-grant-store';
export * from '../ports/in-memory-rate-limiter';
export * from '../ports/recording-fakes';
export * from '../ports/manual-clock';
export * from './local-peers';
export * from './post-policy';
export * from './local-credentials';
export * from './local-object-keys';
export * from './sigv4-verifier';
export * from './stored-upload';
