// `npm test`'s pretest: the browser tests (tools/e2e) drive Debian's chromium, which a fresh
// machine lacks. As root this installs it with apt-get (what .ci/run relies on); otherwise it
// prints the one command that does and exits 1 before any test runs. The decision is in
// src/chromium.ts (tested there); this file only wires the machine's real effects.
// Run: node --import tsx tools/scripts/ensure-chromium.ts
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CHROMIUM_PATH } from '@imgpipe/e2e';
import { ensureChromium } from './src/chromium';

function onPath(name: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

process.exitCode = ensureChromium({
  facts: () => ({
    path: CHROMIUM_PATH,
    present: existsSync(CHROMIUM_PATH),
    isRoot: process.getuid?.() === 0,
    hasAptGet: onPath('apt-get'),
  }),
  run: ([command, ...args]) => {
    if (!command) return 1;
    const result = spawnSync(command, args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return result.status ?? 1;
  },
  info: (message) => console.log(message),
  error: (message) => console.error(message),
});
