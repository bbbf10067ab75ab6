module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'metadata',
  rootDir: __dirname,
  // Handlers log through the shared Powertools logger; tests assert on results, not log lines.
  setupFiles: ['<rootDir>/jest.setup.cjs'],
};
