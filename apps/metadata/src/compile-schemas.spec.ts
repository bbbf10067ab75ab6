import { compileTaskInputSchemas } from './compile-schemas';

describe('compileTaskInputSchemas', () => {
  it('parses the contracts’ examples through RecordThumbnails’ input schema without a refusal', () => {
    expect(() => compileTaskInputSchemas()).not.toThrow();
  });
});
