module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  // A browser and the whole pipeline: generous, since a hang is the only thing a timeout finds.
  testTimeout: 180_000,
};
