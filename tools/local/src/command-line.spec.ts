import { joinDashedValues, parseCommandLineArgs } from './command-line';

const REPLAY_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'detail-type': { type: 'string', multiple: true },
  'no-ui': { type: 'boolean' },
} as const;

describe('parseCommandLineArgs', () => {
  // The forms the READMEs write: `npm start -- replay --from -1d`, `--from -1h --detail-type ImageUploaded`.
  it.each([
    [['--from', '-1d'], { from: '-1d' }],
    [['--from', '-1h', '--detail-type', 'ImageUploaded'], { from: '-1h', 'detail-type': ['ImageUploaded'] }],
    [['--from', '-2h', '--to', '-30m'], { from: '-2h', to: '-30m' }],
    [['--from=-1d'], { from: '-1d' }],
  ])('reads %j as a relative time, not as an option', (args, values) => {
    expect(parseCommandLineArgs({ args, options: REPLAY_OPTIONS }).values).toEqual(values);
  });

  it('exists because node’s own parseArgs refuses `--from -1d`', async () => {
    const { parseArgs } = await import('node:util');
    expect(() => parseArgs({ args: ['--from', '-1d'], options: REPLAY_OPTIONS })).toThrow(/ambiguous/);
  });

  it('still refuses a missing value and an unknown option', () => {
    expect(() => parseCommandLineArgs({ args: ['--from', '--to', 'now'], options: REPLAY_OPTIONS })).toThrow(/ambiguous/);
    expect(() => parseCommandLineArgs({ args: ['--from'], options: REPLAY_OPTIONS })).toThrow(/argument missing/);
    expect(() => parseCommandLineArgs({ args: ['--no-ui', '-1d'], options: REPLAY_OPTIONS })).toThrow(/Unknown option/);
  });

  it('leaves a boolean option, a positional and everything after `--` alone', () => {
    const options = { ...REPLAY_OPTIONS } as const;
    expect(joinDashedValues(['--no-ui', '-1', '--', '--from', '-1d'], options)).toEqual(['--no-ui', '-1', '--', '--from', '-1d']);
    expect(parseCommandLineArgs({ args: ['photos', '--from', '-5m'], options, allowPositionals: true })).toMatchObject({
      values: { from: '-5m' },
      positionals: ['photos'],
    });
  });
});

describe('an unknown option', () => {
  const OPTIONS = { json: { type: 'boolean' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

  it.each([
    [['a.jpg', '--jsn'], 'unknown option --jsn (did you mean --json?)'],
    [['--concurency=2'], 'unknown option --concurency (did you mean --concurrency?)'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['-x'], 'unknown option -x'],
  ])('%j is a usage error (exit 2) that suggests the option it resembles', (args, message) => {
    const error = (() => {
      try {
        parseCommandLineArgs({ args, options: OPTIONS, allowPositionals: true });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ name: 'UsageError', exitCode: 2, message });
  });

  it('is not looked for in option values or after --', () => {
    expect(parseCommandLineArgs({ args: ['--concurrency', '-2', '--', '--jsn'], options: OPTIONS, allowPositionals: true }).positionals).toEqual(['--jsn']);
  });
});
