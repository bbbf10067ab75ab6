const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'cli',
  rootDir: __dirname,
  // The CLI drives @imgpipe/local, which signs tokens with jose (ES modules only): compile
  // jose to CommonJS like our own sources, as tools/local's own config does.
  transform: {
    ...preset.transform,
    '^.+/node_modules/jose/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
