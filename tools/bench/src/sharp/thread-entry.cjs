// Worker threads do not inherit tsx's loader hooks on Node 20: register tsx for this
// thread, then load the TypeScript entry the runner named.
const { workerData } = require('node:worker_threads');
require('tsx/cjs');
require(workerData.entry);
