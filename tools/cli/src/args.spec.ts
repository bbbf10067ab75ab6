import { oneOf, parseCommandLine, positiveInteger, seconds } from './args';
import { UsageError } from './errors';

describe('parseCommandLine', () => {
  const options = { from: { type: 'string' }, json: { type: 'boolean' }, 'detail-type': { type: 'string', multiple: true } } as const;

  it('takes a value that starts with a dash and a digit as the value of the option before it', () => {
    const { values } = parseCommandLine(['--from', '-2h', '--json'], options);

    expect(values).toEqual({ from: '-2h', json: true });
  });

  // The README's forms: `imgpipe replay --from -2h`, `npm start -- replay --from -1d`.
  it.each([['-2h'], ['-1d'], ['-30m']])('takes `--from %s` exactly as the README writes it', (from) => {
    expect(parseCommandLine(['--from', from, '--detail-type', 'ImageUploaded'], options).values).toEqual({ from, 'detail-type': ['ImageUploaded'] });
  });

  it('collects a repeatable option', () => {
    expect(parseCommandLine(['--detail-type', 'A', '--detail-type', 'B'], options).values['detail-type']).toEqual(['A', 'B']);
  });

  it.each([
    [['--nope'], /^unknown option --nope$/],
    [['--from'], /argument missing/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('turns %j into a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv, options)).toThrow(UsageError);
    expect(() => parseCommandLine(argv, options)).toThrow(message);
  });

  it('takes positionals when allowed', () => {
    expect(parseCommandLine(['a', '--json', 'b'], options, true).positionals).toEqual(['a', 'b']);
  });
});

describe('option values', () => {
  it('reads whole numbers within bounds and refuses others', () => {
    expect(positiveInteger('concurrency', undefined, 4)).toBe(4);
    expect(positiveInteger('concurrency', '8', 4)).toBe(8);
    for (const bad of ['0', '-1', '1.5', 'x', '', '2000']) {
      expect(() => positiveInteger('concurrency', bad, 4)).toThrow(/--concurrency must be a whole number from 1 to 1024/);
    }
  });

  it('reads seconds as milliseconds', () => {
    expect(seconds('timeout', undefined, 300)).toBe(300_000);
    expect(seconds('timeout', '1.5', 300)).toBe(1500);
    for (const bad of ['0', '-3', 'soon', '']) expect(() => seconds('timeout', bad, 300)).toThrow(/--timeout must be a number of seconds over 0/);
  });

  it('reads one of a set of choices', () => {
    expect(oneOf('target', undefined, ['local', 'aws'] as const, 'local')).toBe('local');
    expect(oneOf('target', 'aws', ['local', 'aws'] as const, 'local')).toBe('aws');
    expect(() => oneOf('target', 'gcp', ['local', 'aws'] as const, 'local')).toThrow('--target must be one of local, aws, got "gcp"');
  });
});
