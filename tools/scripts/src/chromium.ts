/**
 * What `npm test` needs before its browser tests (tools/e2e) can run: a chromium binary at
 * `CHROMIUM_PATH` (Debian's `/usr/bin/chromium` unless the variable says otherwise). This
 * module decides what to do about a missing one (`planChromium`, pure) and carries it out
 * over injected effects (`ensureChromium`), so the decision is tested without touching the
 * machine's packages. `tools/scripts/ensure-chromium.ts` is the `pretest` entry that wires
 * the real effects.
 */

/** Where `apt-get install chromium` puts the browser on Debian (and where tools/e2e looks by default). */
export const DEBIAN_CHROMIUM_PATH = '/usr/bin/chromium';

/** The commands that install Debian's chromium, run as root (what `.ci/run` relies on). */
export const APT_INSTALL_COMMANDS: readonly (readonly string[])[] = [
  ['apt-get', 'update', '-qq'],
  ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium'],
];

/** The one line a person without root runs instead. */
export const APT_INSTALL_HINT = APT_INSTALL_COMMANDS.map((command) => `sudo ${command.join(' ')}`).join(' && ');

/** What is known about the machine when `npm test` starts. */
export interface ChromiumFacts {
  /** The binary the browser tests launch (tools/e2e's `CHROMIUM_PATH`). */
  readonly path: string;
  /** Whether that binary exists. */
  readonly present: boolean;
  /** Whether this process runs as root (uid 0). */
  readonly isRoot: boolean;
  /** Whether `apt-get` is on the PATH (a Debian-like system). */
  readonly hasAptGet: boolean;
}

/** What to do: nothing, install with apt-get, or stop with a message saying how to fix it. */
export type ChromiumPlan =
  | { readonly action: 'none' }
  | { readonly action: 'install'; readonly commands: readonly (readonly string[])[] }
  | { readonly action: 'refuse'; readonly reason: 'custom-path-missing' | 'no-apt-get' | 'not-root'; readonly message: string };

/**
 * The decision, from the facts alone. apt-get is used only when it would help: the path
 * is Debian's (a `CHROMIUM_PATH` elsewhere is the user's own browser, which apt-get does
 * not put there) and the process may install packages (root).
 *
 * @example
 * planChromium({ path: '/usr/bin/chromium', present: false, isRoot: true, hasAptGet: true })
 * // { action: 'install', commands: APT_INSTALL_COMMANDS }
 */
export function planChromium(facts: ChromiumFacts): ChromiumPlan {
  if (facts.present) return { action: 'none' };
  if (facts.path !== DEBIAN_CHROMIUM_PATH) {
    return {
      action: 'refuse',
      reason: 'custom-path-missing',
      message:
        `the browser tests launch CHROMIUM_PATH=${facts.path}, which does not exist: ` +
        `point CHROMIUM_PATH at a chromium binary, or unset it to use Debian's ${DEBIAN_CHROMIUM_PATH}.`,
    };
  }
  if (!facts.hasAptGet) {
    return {
      action: 'refuse',
      reason: 'no-apt-get',
      message:
        `the browser tests need chromium at ${DEBIAN_CHROMIUM_PATH} and this machine has no apt-get: ` +
        'install Chromium and set CHROMIUM_PATH to its binary, then run npm test again.',
    };
  }
  if (!facts.isRoot) {
    return {
      action: 'refuse',
      reason: 'not-root',
      message:
        `the browser tests need Debian's chromium at ${DEBIAN_CHROMIUM_PATH}. Install it with:\n\n  ${APT_INSTALL_HINT}\n\n` +
        'then run npm test again (as root, npm test installs it by itself).',
    };
  }
  return { action: 'install', commands: APT_INSTALL_COMMANDS };
}

/** The effects `ensureChromium` needs; `ensure-chromium.ts` passes the real ones. */
export interface ChromiumEffects {
  readonly facts: () => ChromiumFacts;
  /** Runs a command to completion with its output on the terminal; its exit status. */
  readonly run: (command: readonly string[]) => number;
  readonly info: (message: string) => void;
  readonly error: (message: string) => void;
}

/**
 * Makes sure the browser tests have their chromium; the process exit code (0: ready).
 * After an install the binary is looked for again, so an install that "succeeds" without
 * producing it still fails here rather than in the middle of the browser tests.
 */
export function ensureChromium(effects: ChromiumEffects): number {
  const plan = planChromium(effects.facts());
  if (plan.action === 'none') return 0;
  if (plan.action === 'refuse') {
    effects.error(`npm test: ${plan.message}`);
    return 1;
  }
  effects.info(`npm test: installing Debian's chromium for the browser tests (${DEBIAN_CHROMIUM_PATH} is missing)`);
  for (const command of plan.commands) {
    const status = effects.run(command);
    if (status !== 0) {
      effects.error(`npm test: \`${command.join(' ')}\` exited ${status}; install chromium by hand: ${APT_INSTALL_HINT}`);
      return 1;
    }
  }
  if (!effects.facts().present) {
    effects.error(`npm test: apt-get installed chromium but ${DEBIAN_CHROMIUM_PATH} is still missing`);
    return 1;
  }
  return 0;
}
