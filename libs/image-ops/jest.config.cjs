module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'image-ops',
  rootDir: __dirname,
};
