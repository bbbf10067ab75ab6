import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, EXIT_CODES, EXIT_CODES_HELP } from './errors';
import { COMMANDS, main, USAGE } from './main';
import { captureIo } from './testing/capture-io';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('imgpipe', () => {
  it('prints the commands on --help (exit 0), and on stderr with exit 2 when given none', async () => {
    const help = captureIo();
    const none = captureIo();

    expect(await main(['--help'], help)).toBe(0);
    expect(await main([], none)).toBe(2);

    for (const command of COMMANDS) expect(help.stdout.text).toContain(`  ${command.name}`);
    expect(help.stdout.text).toContain(EXIT_CODES_HELP);
    expect(help.stdout.text).toContain('imgpipe --version');
    expect(none.stderr.text).toBe(help.stdout.text);
  });

  it('refuses an unknown command (exit 2), suggesting the one it resembles', async () => {
    const io = captureIo();
    const far = captureIo();

    expect(await main(['proccess', 'photos'], io)).toBe(2);
    expect(io.stderr.text).toMatch(/^imgpipe: unknown command "proccess" \(did you mean "process"\?\)\n\nusage: imgpipe <command>/);
    expect(await main(['frobnicate'], far)).toBe(2);
    expect(far.stderr.text).toMatch(/^imgpipe: unknown command "frobnicate"\n/);
  });

  it('prints the root package.json version on --version (exit 0)', async () => {
    const io = captureIo();

    expect(await main(['--version'], io)).toBe(0);
    const rootPackage = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(io.stdout.text).toBe(`imgpipe ${rootPackage.version}\n`);
  });

  it('documents exactly the codes it returns, from one table', () => {
    expect(EXIT_CODES.map((e) => e.code)).toEqual([EXIT.OK, EXIT.FAILED, EXIT.USAGE, EXIT.UNAVAILABLE]);
    expect(EXIT).toEqual({ OK: 0, FAILED: 1, USAGE: 2, UNAVAILABLE: 3 });
    for (const { code, meaning } of EXIT_CODES) expect(USAGE).toContain(`  ${code}  ${meaning}`);
  });

  it.each(COMMANDS.map((c) => [c.name]))('prints the usage of %s on --help and -h, with its exit codes', async (name) => {
    for (const flag of ['--help', '-h']) {
      const io = captureIo();

      expect(await main([name, flag], io)).toBe(0);
      expect(io.stdout.text).toMatch(new RegExp(`^usage: imgpipe ${name} `));
      expect(io.stdout.text).toContain(EXIT_CODES_HELP);
      expect(io.stderr.text).toBe('');
    }
  });
});

describe('command lines refused with exit 2, before any work', () => {
  it.each([
    [['process'], /^usage: imgpipe process/],
    [['process', 'x', '--concurrency', '0'], /^imgpipe process: --concurrency must be a whole number from 1 to 1024, got "0"\n\(`imgpipe process --help` for its options\)\n$/],
    [['process', 'x', '--timeout', 'soon'], /--timeout must be a number of seconds over 0, got "soon"/],
    [['process', 'x', '--jsn'], /^imgpipe process: unknown option --jsn \(did you mean --json\?\)\n/],
    [['events'], /^usage: imgpipe events/],
    [['events', 'a', 'b'], /^imgpipe events: one image id, got 2\n/],
    [['replay'], /--from is required/],
    [['replay', '--from', 'yesterday'], /not a time: "yesterday"/],
    [['replay', '--from', 'now', '--to', '-1h'], /the window is empty: --from .+ is not before --to/],
    [['replay', '--from', '-1h', '--target', 'gcp'], /--target must be one of local, aws, got "gcp"/],
    [['replay', '--from', '-1h', '--name', 'no spaces please'], /--name must be 1-64 of/],
    [['redrive', 'now'], /unexpected argument: now/],
    [['redrive', '--target', 'azure'], /--target must be one of local, aws/],
    [['redrive', '--timeout', '-5'], /--timeout must be a number of seconds over 0, got "-5"/],
  ])('%j', async (argv, message) => {
    const io = captureIo();

    expect(await main(argv, io)).toBe(2);
    expect(io.stderr.text).toMatch(message);
    expect(io.stdout.text).toBe('');
  });
});

describe('nothing to run against (exit 3)', () => {
  it('says so for a path that does not exist', async () => {
    const io = captureIo();

    expect(await main(['process', '/definitely/not/here'], io)).toBe(3);
    expect(io.stderr.text).toMatch(/no such file or folder: \/definitely\/not\/here/);
    expect(io.stdout.text).toBe('');
  });

  it('says so when nothing answers at --url', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const io = captureIo();

    expect(await main(['events', 'img-1', '--url', url], io)).toBe(3);
    expect(io.stderr.text).toContain(`imgpipe events: no imgpipe runtime answers at ${url}`);
  });
});
