import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LocalQueue, type QueueMessage } from './local-queue';

/** A consumer that records every batch and fails the bodies `fail` names. */
function recorder(fail: (body: string, receiveCount: number) => boolean | 'throw' = () => false) {
  const batches: { body: string; receiveCount: number }[][] = [];
  const consumer = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batch = event.Records.map((r) => ({ body: r.body, receiveCount: Number(r.attributes.ApproximateReceiveCount) }));
    batches.push(batch);
    const failures = event.Records.filter((r) => {
      const verdict = fail(r.body, Number(r.attributes.ApproximateReceiveCount));
      if (verdict === 'throw') throw new Error('the consumer crashed');
      return verdict;
    });
    return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
  };
  return { batches, consumer };
}

describe('LocalQueue (SQS semantics)', () => {
  it('delivers messages sent together as batches of at most ten, each message once when all succeed', async () => {
    const { batches, consumer } = recorder();
    const queue = new LocalQueue({ name: 'q', consumer, maxConcurrency: 1 });
    for (let i = 0; i < 12; i++) queue.send(`m${i}`);
    await queue.idle();

    expect(batches.map((b) => b.length)).toEqual([10, 2]);
    expect(batches.flat().map((m) => m.body)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
    expect(queue.depth).toEqual({ visible: 0, inFlight: 0, deadLetters: 0 });
  });

  it('hands the consumer SQS records: ids, receive counts, the queue ARN', async () => {
    const events: SQSEvent[] = [];
    const queue = new LocalQueue({ name: 'notify', consumer: async (event) => void events.push(event) });
    const id = queue.send('{"hello":"world"}');
    await queue.idle();

    expect(events[0]?.Records[0]).toMatchObject({
      messageId: id,
      body: '{"hello":"world"}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:notify',
      attributes: { ApproximateReceiveCount: '1' },
    });
  });

});

describe('LocalQueue (SQS semantics): redelivery and the dead-letter queue', () => {
  it('redelivers only the messages the consumer reported failed, after their visibility timeout', async () => {
    const { batches, consumer } = recorder((body, count) => body === 'flaky' && count === 1);
    const queue = new LocalQueue({ name: 'q', consumer, visibilityTimeoutMs: 20 });
    queue.send('fine');
    queue.send('flaky');
    await queue.idle();

    expect(batches).toEqual([
      [
        { body: 'fine', receiveCount: 1 },
        { body: 'flaky', receiveCount: 1 },
      ],
      [{ body: 'flaky', receiveCount: 2 }],
    ]);
  });

  it('redelivers the whole batch when the consumer throws', async () => {
    const { batches, consumer } = recorder((_body, count) => (count === 1 ? 'throw' : false));
    const queue = new LocalQueue({ name: 'q', consumer, visibilityTimeoutMs: 20 });
    queue.send('a');
    queue.send('b');
    await queue.idle();

    expect(batches.map((b) => b.map((m) => `${m.body}${m.receiveCount}`))).toEqual([
      ['a1', 'b1'],
      ['a2', 'b2'],
    ]);
  });

  it('moves a message received maxReceiveCount times to the dead-letter queue, and counts it', async () => {
    const { batches, consumer } = recorder((body) => body === 'poison');
    const dead: QueueMessage[] = [];
    const queue = new LocalQueue({
      name: 'q',
      consumer,
      visibilityTimeoutMs: 10,
      maxReceiveCount: 3,
      onDeadLetter: (m) => dead.push(m),
    });
    queue.send('poison');
    queue.send('fine');
    await queue.idle();

    expect(batches.flat().filter((m) => m.body === 'poison').map((m) => m.receiveCount)).toEqual([1, 2, 3]);
    expect(dead.map((m) => m.body)).toEqual(['poison']);
    expect(queue.depth).toEqual({ visible: 0, inFlight: 0, deadLetters: 1 });
    expect(queue.deadLetters[0]?.receiveCount).toBe(3);
  });

  it('delivers a message again even when its wake-up timer fires before the wall clock reaches its visibility', async () => {
    // Node's timers run on the event loop's cached clock, which can be behind Date.now():
    // here the wall clock is made to lag 50 ms right after the first delivery fails.
    let lag = 0;
    const realNow = Date.now.bind(Date);
    const now = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - lag);
    try {
      const { batches, consumer } = recorder((_body, receiveCount) => {
        if (receiveCount > 1) return false;
        lag = 50;
        setTimeout(() => (lag = 0), 30);
        return true;
      });
      const queue = new LocalQueue({ name: 'q', consumer, visibilityTimeoutMs: 10, maxReceiveCount: 5 });
      queue.send('late');

      const outcome = await Promise.race([queue.idle().then(() => 'idle'), new Promise((resolve) => setTimeout(() => resolve('stuck'), 3000))]);

      expect(outcome).toBe('idle');
      expect(batches.flat().map((m) => m.receiveCount)).toEqual([1, 2]);
    } finally {
      now.mockRestore();
    }
  });
});
