import { createServer } from 'node:net';
import { COMMANDS, main } from './main';
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
    expect(help.stdout.text).toContain('Exit codes: 0 done; 1 some of the work failed');
    expect(none.stderr.text).toBe(help.stdout.text);
  });

  it('refuses an unknown command (exit 2)', async () => {
    const io = captureIo();

    expect(await main(['proccess', 'photos'], io)).toBe(2);
    expect(io.stderr.text).toMatch(/^imgpipe: unknown command "proccess"\n\nusage: imgpipe <command>/);
  });

  it.each(COMMANDS.map((c) => [c.name]))('prints the usage of %s on --help and -h, with its exit codes', async (name) => {
    for (const flag of ['--help', '-h']) {
      const io = captureIo();

      expect(await main([name, flag], io)).toBe(0);
      expect(io.stdout.text).toMatch(new RegExp(`^usage: imgpipe ${name} `));
      expect(io.stdout.text).toContain('exit codes: 0 done;');
      expect(io.stderr.text).toBe('');
    }
  });
});

describe('command lines refused with exit 2, before any work', () => {
  it.each([
    [['process'], /^usage: imgpipe process/],
    [['process', 'x', '--concurrency', '0'], /^imgpipe process: --concurrency must be a whole number from 1 to 1024, got "0"\n\(`imgpipe process --help` for its options\)\n$/],
    [['process', 'x', '--timeout', 'soon'], /--timeout must be a number of seconds over 0, got "soon"/],
    [['process', 'x', '--jsn'], /Unknown option '--jsn'/],
    [['process', '/definitely/not/here'], /no such file or folder: \/definitely\/not\/here/],
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

describe('no runtime to run against (exit 3)', () => {
  it('says so when nothing answers at --url', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const io = captureIo();

    expect(await main(['events', 'img-1', '--url', url], io)).toBe(3);
    expect(io.stderr.text).toContain(`imgpipe events: no imgpipe runtime answers at ${url}`);
  });
});
