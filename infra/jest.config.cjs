module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'infra',
  rootDir: __dirname,
  // Each spec synthesises CDK stacks (no bundling), which takes seconds, not milliseconds.
  testTimeout: 60_000,
};
