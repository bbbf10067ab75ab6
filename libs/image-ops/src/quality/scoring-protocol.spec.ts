import { MessageChannel } from 'node:worker_threads';
import { ImageOpsError, InvalidImageError } from '../errors';
import { fromWire, MAX_CAUSE_DEPTH, toWire, type ScoringReply, type ScoringRequest } from './scoring-protocol';
import { serveScoring } from './scoring-service';

/** An error as it arrives on the other thread: its facts, structured-cloned, built again. */
const crossed = (error: unknown): Error => fromWire(structuredClone(toWire(error)));

describe('scoring protocol: errors across the thread boundary', () => {
  it('keeps the cause chain, each link as its class', () => {
    const inner = new RangeError('ssimulacra2: sizes differ');
    const error = new ImageOpsError({ code: 'PROCESSING_FAILED', message: 'scoring failed', retryable: false, cause: new Error('middle', { cause: inner }) });

    const back = crossed(error);

    expect(back).toBeInstanceOf(ImageOpsError);
    expect(back).toMatchObject({ message: 'scoring failed', code: 'PROCESSING_FAILED', retryable: false });
    expect(back.cause).toBeInstanceOf(Error);
    expect((back.cause as Error).message).toBe('middle');
    expect((back.cause as Error).cause).toBeInstanceOf(RangeError);
    expect(((back.cause as Error).cause as Error).message).toBe('ssimulacra2: sizes differ');
  });

  it('keeps an InvalidImageError its class, and its cause', () => {
    const back = crossed(new InvalidImageError('CORRUPT', 'The image is damaged.', { cause: new Error('VipsJpeg: premature end') }));

    expect(back).toBeInstanceOf(InvalidImageError);
    expect((back.cause as Error).message).toBe('VipsJpeg: premature end');
  });

  it('stops a cause cycle after MAX_CAUSE_DEPTH links', () => {
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;

    let depth = 0;
    for (let e: unknown = crossed(loop); e instanceof Error; e = e.cause) depth++;

    expect(depth).toBe(MAX_CAUSE_DEPTH + 1);
  });
});

describe('serveScoring (the scoring thread\'s side)', () => {
  it('says ready, answers a message it could not read with its place, and serves on', async () => {
    const { port1, port2 } = new MessageChannel();
    const replies: ScoringReply[] = [];
    const next = () => new Promise<ScoringReply>((resolve) => port1.once('message', (m: ScoringReply) => resolve(m)));
    const pixels = () => ({ data: new Uint8Array(16 * 16 * 3).fill(90), width: 16, height: 16 });
    try {
      const ready = next();
      serveScoring(port2);
      replies.push(await ready);

      let reply = next();
      port1.postMessage({ type: 'prepare', id: 7, ref: 1, pixels: pixels() } satisfies ScoringRequest); // message 0
      replies.push(await reply);
      // Message 1 could not be read on arrival: what node emits on the receiving port.
      reply = next();
      port2.emit('messageerror', new Error('Unable to deserialize cloned data'));
      replies.push(await reply);
      reply = next();
      port1.postMessage({ type: 'score', id: 8, ref: 1, pixels: pixels() } satisfies ScoringRequest); // message 2
      replies.push(await reply);

      expect(replies).toEqual([
        { type: 'ready' },
        { type: 'done', id: 7 },
        { type: 'unreadable', seq: 1, error: { name: 'Error', message: 'Unable to deserialize cloned data' } },
        { type: 'done', id: 8, score: 100 },
      ]);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
