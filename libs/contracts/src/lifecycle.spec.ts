import { DEFAULT_UNDO_WINDOW_SECONDS, undoDeadline } from './lifecycle';

describe('undoDeadline', () => {
  it('is deletedAt plus the window (7 days by default)', () => {
    expect(DEFAULT_UNDO_WINDOW_SECONDS).toBe(7 * 24 * 3600);
    expect(undoDeadline('2025-06-02T08:30:00.000Z')).toBe('2025-06-09T08:30:00.000Z');
    expect(undoDeadline('2025-06-02T08:30:00Z', 60)).toBe('2025-06-02T08:31:00.000Z');
  });

  it('refuses an instant it cannot read and a negative window', () => {
    expect(() => undoDeadline('yesterday')).toThrow(RangeError);
    expect(() => undoDeadline('2025-06-02T08:30:00Z', -1)).toThrow(RangeError);
  });
});
