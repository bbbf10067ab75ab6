import { type EventPublisher, type PublishEntry, type PublishResult } from '@imgpipe/platform';
import { RecordingEventPublisher } from '@imgpipe/platform/testing';
import { createPutEventsTask, PutEventsFailedEntryError } from './put-events-task';

const entry = {
  Source: 'imgpipe.metadata',
  DetailType: 'ImageProcessed',
  Detail: JSON.stringify({ version: 1, data: { imageId: 'img_1' } }),
  EventBusName: 'imgpipe',
};

describe('createPutEventsTask', () => {
  it('publishes each entry with its detail parsed back from JSON text, and answers like PutEvents', async () => {
    const published: PublishEntry[] = [];
    const bus: EventPublisher = {
      publish: async (entries) => {
        published.push(...entries);
        return { published: entries.map((e) => ({ entry: e, busEventId: 'ev-1' })), failed: [] };
      },
    };

    const output = await createPutEventsTask(bus, { eventBusName: 'imgpipe' })({ Entries: [entry] });

    expect(published).toEqual([
      { source: 'imgpipe.metadata', detailType: 'ImageProcessed', detail: { version: 1, data: { imageId: 'img_1' } } },
    ]);
    expect(output).toEqual({ Entries: [{ EventId: 'ev-1' }], FailedEntryCount: 0 });
  });

  it('takes a detail given as an object too', async () => {
    const bus = new RecordingEventPublisher();

    await createPutEventsTask(bus, { eventBusName: 'imgpipe' })({ Entries: [{ ...entry, Detail: { a: 1 } }] });

    expect(bus.published[0]?.detail).toEqual({ a: 1 });
  });

  it('fails with EventBridge.FailedEntry when the bus refuses an entry, as the AWS integration does', async () => {
    const refusing: EventPublisher = {
      publish: async (entries): Promise<PublishResult> => ({
        published: [],
        failed: entries.map((e) => ({ entry: e, errorCode: 'ThrottlingException', errorMessage: 'slow down' })),
      }),
    };

    const result = createPutEventsTask(refusing, { eventBusName: 'imgpipe' })({ Entries: [entry] });

    await expect(result).rejects.toThrow(PutEventsFailedEntryError);
    await expect(result).rejects.toMatchObject({
      name: 'EventBridge.FailedEntry',
      message: '1 of 1 entries failed: ImageProcessed: ThrottlingException slow down',
    });
  });

  it('refuses an entry for another bus, a detail that is not a JSON object, or no entries', async () => {
    const task = createPutEventsTask(new RecordingEventPublisher(), { eventBusName: 'imgpipe' });

    await expect(task({ Entries: [{ ...entry, EventBusName: 'default' }] })).rejects.toThrow(/bus default/);
    await expect(task({ Entries: [{ ...entry, Detail: '[1]' }] })).rejects.toThrow(/JSON object/);
    await expect(task({ Entries: [{ ...entry, Detail: '{' }] })).rejects.toThrow(/not JSON/);
    await expect(task({ Entries: [] })).rejects.toThrow();
  });
});
