import { logger } from '@imgpipe/platform';
import { recordOutcome } from './on-object-created.adapter';

describe('recordOutcome: no file name in the log', () => {
  it('logs an object that no longer exists (e.g. purged) without its file name', () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      recordOutcome({ outcome: 'missing', key: 'uploads/alice/0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/Ünïcode 100% été.jpg' });

      const logged = JSON.stringify(warn.mock.calls);
      expect(logged).toContain('0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
      expect(logged).not.toContain('été');
    } finally {
      warn.mockRestore();
    }
  });
});
