import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root's package.json, read at load time (an import would cross the project's boundary). */
const ROOT_PACKAGE_JSON = join(__dirname, '..', '..', '..', '..', 'package.json');

/** The project's version (the root package.json's), for `imgpipe --version` and `npm start -- --version`. */
export const IMGPIPE_VERSION: string = (JSON.parse(readFileSync(ROOT_PACKAGE_JSON, 'utf8')) as { version: string }).version;

/** The line `--version` prints. */
export const VERSION_LINE = `imgpipe ${IMGPIPE_VERSION}`;
