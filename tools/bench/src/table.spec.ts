import { renderTable, times, toMb } from './table';

describe('renderTable', () => {
  it('pads every column to its widest cell, text left and numbers right', () => {
    const out = renderTable(
      [{ header: 'tool', align: 'left' }, { header: 'ms', digits: 1 }],
      [
        ['sharp', 12.34],
        ['pillow', 1234.5],
      ],
    );

    expect(out.split('\n')).toEqual([
      'tool        ms',
      '------  ------',
      'sharp     12.3',
      'pillow  1234.5',
    ]);
  });

  it('prints a dash for what was not measured', () => {
    const out = renderTable([{ header: 'a' }, { header: 'b' }], [[undefined, Number.NaN]]);

    expect(out.split('\n')[2]).toBe('-  -');
  });
});

describe('toMb', () => {
  it('converts bytes to mebibytes', () => {
    expect(toMb(3 * 1024 * 1024)).toBe(3);
    expect(toMb(undefined)).toBeUndefined();
  });
});

describe('times', () => {
  it('formats a ratio, or a dash when there is none', () => {
    expect(times(1.5)).toBe('1.50x');
    expect(times(undefined)).toBe('-');
  });
});
