/**
 * `@imgpipe/web` for Node: the build of the browser UI, for the local runtime (which
 * builds it at start and serves the folder) and the CDK app. The browser code itself
 * starts at `main.ts` and is never imported.
 */
export { buildWeb, STATIC_FILES, WEB_SOURCE_DIR, type BuildWebOptions, type BuildWebResult } from './build-web';
