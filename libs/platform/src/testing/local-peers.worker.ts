import { parentPort, workerData } from 'node:worker_threads';
import { startDynaliteServer, startLocalS3, type LocalPeer, type LocalS3 } from './local-peers';
import { toWireError, type PeersThreadData, type PeersThreadReply, type PeersThreadRequest } from './local-peers-thread.protocol';

/**
 * The local peers' worker thread (entry: local-peers.worker-entry.cjs): starts s3rver and
 * dynalite behind their gates with the main thread's options, exactly as `startLocalS3` and
 * `startDynaliteServer` do in-process, forwards every S3 event notification in order, and on
 * `stop` closes both and ends (the main thread creates the tables through its SDK client).
 */
const port = parentPort ?? notAThread();
const data = workerData as PeersThreadData;
const post = (reply: PeersThreadReply) => port.postMessage(reply);
const running: (LocalS3 | LocalPeer)[] = [];
let stopping: Promise<void> | undefined;

async function stopAll(): Promise<void> {
  const stopped = await Promise.allSettled(running.map((peer) => peer.stop()));
  const failed = stopped.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  post(failed ? { type: 'stopped', error: toWireError(failed.reason) } : { type: 'stopped' });
  port.close();
}

async function start(): Promise<void> {
  const [s3, dynamo] = await Promise.allSettled([
    startLocalS3({ ...data.s3, onNotification: (event) => post({ type: 'notification', event }) }),
    startDynaliteServer(data.dynamo),
  ]);
  if (s3.status === 'fulfilled') running.push(s3.value);
  if (dynamo.status === 'fulfilled') running.push(dynamo.value);
  if (s3.status === 'rejected' || dynamo.status === 'rejected') {
    const reason: unknown = s3.status === 'rejected' ? s3.reason : dynamo.status === 'rejected' ? dynamo.reason : undefined;
    await Promise.allSettled(running.map((peer) => peer.stop()));
    post({ type: 'failed', error: toWireError(reason) });
    port.close();
    return;
  }
  post({
    type: 'ready',
    s3: { endpoint: s3.value.endpoint, port: s3.value.port, directory: s3.value.directory },
    dynamo: { endpoint: dynamo.value.endpoint, port: dynamo.value.port },
  });
}

function notAThread(): never {
  throw new Error('local-peers.worker.ts runs only as a worker thread (startLocalPeersThread)');
}

port.on('message', (request: PeersThreadRequest) => {
  if (request.type === 'stop') stopping ??= stopAll();
});
void start();
