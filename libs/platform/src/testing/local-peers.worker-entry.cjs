// The entry of the local peers' worker thread (started by local-peers-thread.ts). Worker
// threads do not inherit tsx's loader hooks or jest's transform, and tsx's CommonJS hook costs a
// thread ~20-30 MiB; so this plain CommonJS file bundles the thread's few TypeScript modules
// (local-peers.worker.ts and the gates it imports, all relative imports) with esbuild, the
// bundler the workspace already has, leaving every npm package to Node's `require`, and runs the
// bundle as the module local-peers.worker.ts (its `__filename`, so `createRequire(__filename)`
// resolves s3rver and dynalite as in the main thread). Hand-written because no package loads a
// few TypeScript files into a thread without a resident loader.
'use strict';
const Module = require('node:module');
const { join } = require('node:path');
// Without this, esbuild's synchronous API in a thread other than the main one starts its own
// worker thread and a resident esbuild service process (+15 MiB RSS, CPU while idle); with it,
// the one build runs in a child process that exits when it is done.
process.env.ESBUILD_WORKER_THREADS = '0';
const { buildSync } = require('esbuild');

const entry = join(__dirname, 'local-peers.worker.ts');
const { outputFiles } = buildSync({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  write: false,
  logLevel: 'silent',
});
const body = new Module(entry, module);
body.filename = entry;
body.paths = module.paths; // the same folder: the same lookup
body._compile(outputFiles[0].text, entry);
