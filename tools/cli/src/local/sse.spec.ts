import { readServerSentEvents, type ServerSentEvent } from './sse';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function read(...parts: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(chunks(...parts))) events.push(event);
  return events;
}

describe('readServerSentEvents', () => {
  it('reads named events and skips comments and retry lines', async () => {
    const events = await read('retry: 2000\n\n: keep-alive\n\nevent: stats\ndata: {"processed":1}\n\nevent: image\ndata: {"imageId":"a"}\n\n');

    expect(events).toEqual([
      { event: 'stats', data: '{"processed":1}' },
      { event: 'image', data: '{"imageId":"a"}' },
    ]);
  });

  it('joins an event split across chunks, even mid-line and between CR and LF', async () => {
    const events = await read('event: im', 'age\r', '\ndata: {"imageId":', '"b"}\r\n\r\n');

    expect(events).toEqual([{ event: 'image', data: '{"imageId":"b"}' }]);
  });

  it('joins several data lines with a newline and defaults the name to message', async () => {
    expect(await read('data: one\ndata: two\n\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('dispatches a last event the stream ends without a blank line after', async () => {
    expect(await read('event: image\ndata: x')).toEqual([{ event: 'image', data: 'x' }]);
  });
});
