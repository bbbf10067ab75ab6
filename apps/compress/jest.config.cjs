module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'compress',
  rootDir: __dirname,
};
