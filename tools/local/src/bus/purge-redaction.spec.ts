import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleEnvelope, ImagePurgedV1, ImageUploadedV1, toEventBridgeEvent } from '@imgpipe/contracts';
import { eventRules } from '@imgpipe/workflow';
import { EventArchive } from './archive';
import type { BusEvent } from './bus-event';
import { LocalBus } from './local-bus';
import { redactArchiveOnPurge } from './purge-redaction';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imgpipe-purge-redaction-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('redacts the archived events of an image once its ImagePurged goes through the bus, and only of that image', async () => {
  const archive = new EventArchive(dir);
  const errors: unknown[] = [];
  const onPurge = redactArchiveOnPurge(archive, (error) => errors.push(error));
  const bus = new LocalBus({
    rules: eventRules({ originalsBucketName: 'originals' }),
    targets: { pipeline: async () => undefined, 'notify-queue': async () => undefined, 'ingest-on-object-created': async () => undefined, metadata: async () => undefined, avif: async () => undefined },
    archive,
    onEvent: onPurge,
  });
  const uploadedEnvelope = exampleEnvelope(ImageUploadedV1, 'full');
  const { imageId, original } = uploadedEnvelope.data;
  const filename = original.key.split('/')[3] ?? '';
  const other = { ...uploadedEnvelope, eventId: 'other-upload', data: { ...uploadedEnvelope.data, imageId: 'img_other' } };
  const purgedEnvelope = exampleEnvelope(ImagePurgedV1, 'full');
  const purged = { ...purgedEnvelope, data: { ...purgedEnvelope.data, imageId } };

  await bus.put('imgpipe', toEventBridgeEvent(ImageUploadedV1, uploadedEnvelope) as BusEvent);
  await bus.put('imgpipe', toEventBridgeEvent(ImageUploadedV1, other) as BusEvent);
  await bus.put('imgpipe', toEventBridgeEvent(ImagePurgedV1, purged) as BusEvent);
  await bus.idle();
  await archive.close();

  expect(errors).toEqual([]);
  expect(filename.length).toBeGreaterThan(3);
  const [file] = await readdir(dir);
  const lines = (await readFile(join(dir, file ?? ''), 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).not.toContain(filename);
  // Another image's copy is left as it was.
  expect(lines[1]).toContain(filename);
  expect(lines[2]).toContain('ImagePurged');
});
