import { toLocalTaskHandlers, type LocalTask } from './local-tasks';

const noop: LocalTask = async () => null;
const base = { Compress: noop, Thumbnail: noop, RecordThumbnails: noop, RecordMetadata: noop, RecordFailure: noop, PublishProcessed: noop };

describe('toLocalTaskHandlers', () => {
  it('maps every Task state by name', () => {
    expect(Object.keys(toLocalTaskHandlers(base)).sort()).toEqual(
      ['Compress', 'PublishProcessed', 'RecordFailure', 'RecordMetadata', 'RecordThumbnails', 'Thumbnail'],
    );
  });

  it('passes input and output across a JSON boundary, as a Lambda payload', async () => {
    const seen: unknown[] = [];
    const handlers = toLocalTaskHandlers({
      ...base,
      Compress: async (input) => {
        seen.push(input);
        (input as { mutated?: boolean }).mutated = true;
        return { at: new Date('2025-01-01T00:00:00Z'), gone: undefined, kept: 1 };
      },
    });
    const input = { a: 1 };

    const output = await handlers['Compress']?.(input);

    expect(seen[0]).toEqual({ a: 1, mutated: true });
    expect(seen[0]).not.toBe(input);
    expect(input).toEqual({ a: 1 });
    expect(output).toEqual({ at: '2025-01-01T00:00:00.000Z', kept: 1 });
  });

  it('turns an undefined result into null and lets errors through with their name', async () => {
    class InvalidImage extends Error {
      override readonly name = 'InvalidImage';
    }
    const handlers = toLocalTaskHandlers({
      ...base,
      RecordFailure: async () => undefined,
      Thumbnail: async () => {
        throw new InvalidImage('bad');
      },
    });

    await expect(handlers['RecordFailure']?.({})).resolves.toBeNull();
    await expect(handlers['Thumbnail']?.({})).rejects.toMatchObject({ name: 'InvalidImage', message: 'bad' });
  });
});
