// Shared by every project's jest.config.cjs. TypeScript goes through SWC (fast, no type
// check): types are checked once for the whole workspace by `npm run typecheck`.
// Workspace packages resolve through npm workspaces (node_modules/@imgpipe/* symlinks to
// their TypeScript sources), so there is no path-alias table to keep in step.
/** @type {import('jest').Config} */
// The AWS SDK's notice that it will need Node 22 from 2027 is for deployers, not test logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
    // jose, oauth4webapi and thumbhash ship ES modules only: compile them to CommonJS like our own sources.
    '^.+/node_modules/(jose|oauth4webapi|thumbhash)/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|oauth4webapi|thumbhash)/)'],
  coverageReporters: ['text-summary', 'html'],
};
