// Shared by every project's jest.config.cjs. TypeScript goes through SWC (fast, no type
// check): types are checked once for the whole workspace by `npm run typecheck`.
// Workspace packages resolve through npm workspaces (node_modules/@imgpipe/* symlinks to
// their TypeScript sources), so there is no path-alias table to keep in step.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Image work on a loaded 2-core machine is slow; a timeout here is a hang, not a speed test.
  testTimeout: 60_000,
  testMatch: ['**/?(*.)+(spec|test).ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  coverageReporters: ['text-summary', 'html'],
};
