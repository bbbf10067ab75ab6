module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'security',
  rootDir: __dirname,
  // Each spec file starts its own `npm start` runtime as a child process and runs images
  // through it on a shared 2-core machine: a timeout here is a hang, not a speed test.
  testTimeout: 180_000,
  // One runtime at a time: each file's runtime runs images, and CI has 2 cores for everything.
  maxWorkers: 1,
};
