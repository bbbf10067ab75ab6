import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { CHROMIUM_PATH } from '@imgpipe/e2e';
import {
  APT_INSTALL_COMMANDS,
  APT_INSTALL_HINT,
  DEBIAN_CHROMIUM_PATH,
  ensureChromium,
  planChromium,
  type ChromiumFacts,
} from './chromium';

const missingDebian: ChromiumFacts = { path: DEBIAN_CHROMIUM_PATH, present: false, isRoot: true, hasAptGet: true };

describe('planChromium: what npm test does about the browser tests’ chromium', () => {
  it('does nothing when the binary is there, whoever runs it', () => {
    expect(planChromium({ ...missingDebian, present: true, isRoot: false, hasAptGet: false })).toEqual({ action: 'none' });
  });

  it('installs Debian’s chromium with apt-get when root and it is missing', () => {
    expect(planChromium(missingDebian)).toEqual({ action: 'install', commands: APT_INSTALL_COMMANDS });
    expect(APT_INSTALL_COMMANDS).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium'],
    ]);
  });

  it('prints the one command that installs it when not root, and installs nothing', () => {
    const plan = planChromium({ ...missingDebian, isRoot: false });
    expect(plan).toMatchObject({ action: 'refuse', reason: 'not-root' });
    expect(plan.action === 'refuse' && plan.message).toContain(
      'sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends chromium',
    );
  });

  it('does not run apt-get where there is none (not Debian): says to set CHROMIUM_PATH', () => {
    const plan = planChromium({ ...missingDebian, hasAptGet: false });
    expect(plan).toMatchObject({ action: 'refuse', reason: 'no-apt-get' });
    expect(plan.action === 'refuse' && plan.message).toContain('CHROMIUM_PATH');
  });

  it('does not install when CHROMIUM_PATH names another, missing binary: apt-get would not put it there', () => {
    const plan = planChromium({ ...missingDebian, path: '/opt/chrome/chrome' });
    expect(plan).toMatchObject({ action: 'refuse', reason: 'custom-path-missing' });
    expect(plan.action === 'refuse' && plan.message).toContain('/opt/chrome/chrome');
  });

  it('looks where tools/e2e launches the browser (Debian’s path unless CHROMIUM_PATH says otherwise)', () => {
    expect(CHROMIUM_PATH).toBe(process.env['CHROMIUM_PATH'] ?? DEBIAN_CHROMIUM_PATH);
  });
});

describe('ensureChromium: carries the plan out', () => {
  function effects(facts: readonly ChromiumFacts[], statuses: readonly number[] = []) {
    const ran: string[][] = [];
    const errors: string[] = [];
    let look = 0;
    return {
      ran,
      errors,
      io: {
        facts: () => facts[Math.min(look++, facts.length - 1)] as ChromiumFacts,
        run: (command: readonly string[]) => {
          ran.push([...command]);
          return statuses[ran.length - 1] ?? 0;
        },
        info: () => undefined,
        error: (message: string) => errors.push(message),
      },
    };
  }

  it('exits 0 without running anything when chromium is present', () => {
    const { io, ran } = effects([{ ...missingDebian, present: true }]);
    expect(ensureChromium(io)).toBe(0);
    expect(ran).toEqual([]);
  });

  it('as root runs apt-get update then install, then finds the binary: exit 0', () => {
    const { io, ran } = effects([missingDebian, { ...missingDebian, present: true }]);
    expect(ensureChromium(io)).toBe(0);
    expect(ran).toEqual(APT_INSTALL_COMMANDS.map((c) => [...c]));
  });

  it('exits 1 with the hand-run command when apt-get fails, and stops at the failing step', () => {
    const { io, ran, errors } = effects([missingDebian], [100]);
    expect(ensureChromium(io)).toBe(1);
    expect(ran).toHaveLength(1);
    expect(errors.join('\n')).toContain(APT_INSTALL_HINT);
  });

  it('exits 1 when apt-get succeeded but the binary is still missing', () => {
    const { io, errors } = effects([missingDebian, missingDebian]);
    expect(ensureChromium(io)).toBe(1);
    expect(errors.join('\n')).toContain(`${DEBIAN_CHROMIUM_PATH} is still missing`);
  });

  it('exits 1 with the message and runs nothing when not root', () => {
    const { io, ran, errors } = effects([{ ...missingDebian, isRoot: false }]);
    expect(ensureChromium(io)).toBe(1);
    expect(ran).toEqual([]);
    expect(errors.join('\n')).toContain(APT_INSTALL_HINT);
  });
});

describe('tools/scripts/ensure-chromium.ts, as npm test runs it', () => {
  const root = resolve(__dirname, '../../..');
  const runEntry = (chromiumPath: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'tools/scripts/ensure-chromium.ts'], {
      cwd: root,
      env: { ...process.env, CHROMIUM_PATH: chromiumPath },
      encoding: 'utf8',
    });

  it('exits 0 and says nothing when CHROMIUM_PATH names an existing binary', () => {
    const result = runEntry(process.execPath);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('exits 1 with the reason, installing nothing, when CHROMIUM_PATH names a missing binary', () => {
    const result = runEntry('/nonexistent/chromium');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CHROMIUM_PATH=/nonexistent/chromium, which does not exist');
  });
});
