/**
 * The one command-line front end for processing files, shared by `imgpipe process`
 * (tools/cli, through a local runtime) and `npm start -- <files>` (offline): file selection
 * by magic bytes, progress on stderr, results on stdout or `--json`, one exit-code table,
 * did-you-mean, `--version`.
 */
export * from './exit-codes';
export * from './did-you-mean';
export * from './version';
export * from './io';
export * from './image-result';
export * from './input-files';
export * from './progress';
export * from './report';
export * from './process-files';
