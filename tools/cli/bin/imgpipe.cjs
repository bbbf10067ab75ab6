#!/usr/bin/env node
// The `imgpipe` command: runs the TypeScript sources through tsx (no build step), in a process
// that has the allocator variables of sharp (relaunched once with them when they are missing).
require('tsx/cjs');
require('../src/allocator-relaunch.ts').relaunchWithAllocatorEnv(() => require('../src/main.ts').runCli());
