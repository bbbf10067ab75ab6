import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { PublishEntry } from '../ports/event-publisher.port';
import { EventBridgePublisher, type PutEventsSender } from './eventbridge-publisher.adapter';

// There is no local EventBridge server: this is the one adapter tested against a fake client,
// asserting the exact requests it sends.

function entries(n: number): PublishEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 'imgpipe.metadata',
    detailType: 'ImageProcessed',
    detail: { version: 1, eventId: `e-${i}`, data: { n: i } },
  }));
}

function fakeBus(answer: (entries: number, call: number) => PutEventsCommandOutput | Error) {
  const requests: Array<PutEventsCommand['input']> = [];
  const sender: PutEventsSender = {
    send: async (command) => {
      requests.push(command.input);
      const out = answer(command.input.Entries?.length ?? 0, requests.length);
      if (out instanceof Error) throw out;
      return out;
    },
  };
  return { sender, requests };
}

const ok = (n: number, call: number): PutEventsCommandOutput => ({
  $metadata: {},
  FailedEntryCount: 0,
  Entries: Array.from({ length: n }, (_, i) => ({ EventId: `bus-${call}-${i}` })),
});

describe('EventBridgePublisher', () => {
  it('sends 23 entries as PutEvents calls of 10, 10 and 3, in order, with the exact entry shape', async () => {
    const bus = fakeBus(ok);
    const time = new Date('2025-01-01T00:00:00.000Z');
    const input = entries(23).map((e, i) => (i === 0 ? { ...e, time } : e));

    const result = await new EventBridgePublisher(bus.sender, 'imgpipe').publish(input);

    expect(bus.requests.map((r) => r.Entries?.length)).toEqual([10, 10, 3]);
    expect(bus.requests[0]?.Entries?.[0]).toEqual({
      EventBusName: 'imgpipe',
      Source: 'imgpipe.metadata',
      DetailType: 'ImageProcessed',
      Detail: JSON.stringify({ version: 1, eventId: 'e-0', data: { n: 0 } }),
      Time: time,
    });
    expect(bus.requests[2]?.Entries?.map((e) => JSON.parse(e.Detail ?? '{}').eventId)).toEqual(['e-20', 'e-21', 'e-22']);
    expect(result.failed).toEqual([]);
    expect(result.published.map((p) => p.busEventId)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `bus-1-${i}`),
      ...Array.from({ length: 10 }, (_, i) => `bus-2-${i}`),
      ...Array.from({ length: 3 }, (_, i) => `bus-3-${i}`),
    ]);
  });

  it('reports the entries PutEvents failed, with their codes, and publishes the rest', async () => {
    const bus = fakeBus((n, call) => ({
      ...ok(n, call),
      FailedEntryCount: 1,
      Entries: Array.from({ length: n }, (_, i) =>
        i === 1 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `bus-${i}` },
      ),
    }));
    const input = entries(3);

    const result = await new EventBridgePublisher(bus.sender, 'imgpipe').publish(input);

    expect(result.failed).toEqual([{ entry: input[1], errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }]);
    expect(result.published.map((p) => p.entry)).toEqual([input[0], input[2]]);
  });

  it('marks a whole chunk failed when its call fails, and still sends the next chunk', async () => {
    const bus = fakeBus((n, call) =>
      call === 1 ? Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }) : ok(n, call),
    );
    const input = entries(12);

    const result = await new EventBridgePublisher(bus.sender, 'imgpipe').publish(input);

    expect(bus.requests).toHaveLength(2);
    expect(result.failed.map((f) => f.entry)).toEqual(input.slice(0, 10));
    expect(result.failed[0]).toMatchObject({ errorCode: 'TimeoutError', errorMessage: 'socket hang up (retryable)' });
    expect(result.published.map((p) => p.entry)).toEqual(input.slice(10));
  });

  it('sends nothing for no entries', async () => {
    const bus = fakeBus(ok);

    await expect(new EventBridgePublisher(bus.sender, 'imgpipe').publish([])).resolves.toEqual({ published: [], failed: [] });
    expect(bus.requests).toEqual([]);
  });
});
