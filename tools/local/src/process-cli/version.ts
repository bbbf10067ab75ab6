import rootPackage from '../../../../package.json';

/** The project's version (the root package.json's), for `imgpipe --version` and `npm start -- --version`. */
export const IMGPIPE_VERSION: string = rootPackage.version;

/** The line `--version` prints. */
export const VERSION_LINE = `imgpipe ${IMGPIPE_VERSION}`;
