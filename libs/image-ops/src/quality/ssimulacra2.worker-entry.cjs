// The scoring thread's entry (started by worker-scorer.ts). Worker threads do not inherit
// tsx's loader hooks (Node 20, neither `node --import tsx` nor jest's transform reach a new
// thread), so this plain CommonJS file registers tsx's CommonJS hook for this thread, then
// loads the TypeScript body. The same pattern as tools/bench/src/sharp/thread-entry.cjs.
require('tsx/cjs');
require('./ssimulacra2.worker.ts');
