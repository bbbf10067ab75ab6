/**
 * Presign latency, measured (not a test): `npx tsx apps/ingest/scripts/bench-presign.ts [iterations]`.
 *
 * Runs POST /uploads through the real use case and the real S3 presigned-POST signer
 * (`@aws-sdk/s3-presigned-post`, static credentials as a local stack uses), twice: the use
 * case alone, and the whole Lambda handler (JSON body, routing, response). The S3 client's
 * `send` is counted to show that presigning makes no network call. Target: p99 < 20 ms.
 */
import { S3PresignedPostSigner, UuidV7Generator, createAwsClients, systemClock } from '@imgpipe/platform';
import {
  InMemoryImageEventStore,
  InMemoryImageReadModel,
  InMemoryObjectStore,
  InMemoryUploadGrantStore,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  RecordingEventPublisher,
} from '@imgpipe/platform/testing';
import { createHttpApiHandler, createIngestServices, loadIngestConfig, type HttpApiEvent } from '../src/index';

const iterations = Number(process.argv[2] ?? 5000);
const warmup = Math.min(500, iterations);

const config = loadIngestConfig({
  AWS_REGION: LOCAL_REGION,
  ORIGINALS_BUCKET: 'imgpipe-originals',
  PROCESSED_BUCKET: 'imgpipe-processed',
  IMAGES_TABLE: 'image-metadata',
  EVENTS_TABLE: 'image-events',
  GRANTS_TABLE: 'upload-grants',
  EVENT_BUS_NAME: 'imgpipe',
});
// An endpoint nothing listens on: a network call would fail, not quietly succeed.
const clients = createAwsClients({ region: LOCAL_REGION, endpoint: 'http://127.0.0.1:9', credentials: LOCAL_CREDENTIALS });
let sends = 0;
const send = clients.s3.send.bind(clients.s3);
clients.s3.send = ((...args: Parameters<typeof send>) => {
  sends += 1;
  return send(...args);
}) as typeof clients.s3.send;

const services = createIngestServices(config, {
  signer: new S3PresignedPostSigner(clients.s3),
  ids: new UuidV7Generator(),
  clock: systemClock,
  store: new InMemoryObjectStore(),
  publisher: new RecordingEventPublisher(),
  readModel: new InMemoryImageReadModel(),
  eventStore: new InMemoryImageEventStore(),
  grants: new InMemoryUploadGrantStore(),
});
const handler = createHttpApiHandler(() => services);

const body = { filename: 'Holiday photo (1).jpg', contentType: 'image/jpeg', bytes: 4_812_331 };
const event = {
  version: '2.0',
  routeKey: 'POST /uploads',
  rawPath: '/uploads',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  isBase64Encoded: false,
  requestContext: {
    http: { method: 'POST', path: '/uploads', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    stage: '$default',
    authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { sub: 'bench-user' }, scopes: [] } },
  },
} as unknown as HttpApiEvent;

async function measure(name: string, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < warmup; i += 1) await run();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i += 1) {
    const start = process.hrtime.bigint();
    await run();
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  samples.sort();
  const at = (q: number) => (samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0).toFixed(3);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  console.log(
    `${name.padEnd(28)} n=${iterations}  mean ${mean.toFixed(3)} ms  p50 ${at(0.5)}  p90 ${at(0.9)}  p99 ${at(0.99)}  max ${at(1)} ms`,
  );
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${iterations} presigns after ${warmup} warm-up calls each`);
  await measure('use case createUpload', () => services.createUpload('bench-user', body));
  await measure('handler POST /uploads', async () => {
    const response = await handler(event);
    if (response.statusCode !== 201) throw new Error(`unexpected ${response.statusCode}: ${response.body}`);
  });
  console.log(`S3 client send() calls during the run: ${sends}`);
  clients.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
