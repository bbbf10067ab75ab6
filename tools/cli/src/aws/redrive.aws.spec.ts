import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { main } from '../main';
import { captureIo } from '../testing/capture-io';
import { answer, scriptClient, type ScriptedClient } from '../testing/scripted-sdk';

/*
 * SQS message move tasks have no local peer, so these run against the SDK client with
 * `send` mocked, and assert the exact requests the CLI makes.
 */

const REGION = 'eu-west-1';
const NOTIFY_DLQ = `arn:aws:sqs:${REGION}:123456789012:ImgpipeFoundation-NotifyDlq1A2B`;
const OTHER_DLQ = `arn:aws:sqs:${REGION}:123456789012:other-dlq`;
const NOTIFY_DLQ_URL = `https://sqs.${REGION}.amazonaws.com/123456789012/ImgpipeFoundation-NotifyDlq1A2B`;
const RULE_TARGETS_DLQ_URL = `https://sqs.${REGION}.amazonaws.com/123456789012/ImgpipeFoundation-RuleTargetsDlq3C4D`;

let sdk: ScriptedClient;
beforeEach(() => {
  sdk = scriptClient(SQSClient);
});
afterEach(() => sdk.restore());

describe('imgpipe redrive --target aws', () => {
  it('moves each DLQ back to its source and follows each task to COMPLETED', async () => {
    const now = Date.now();
    sdk.answers = [
      answer(StartMessageMoveTaskCommand, { TaskHandle: 'task-1' }),
      answer(ListMessageMoveTasksCommand, { Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 3 }] }),
      answer(ListMessageMoveTasksCommand, { Results: [{ Status: 'COMPLETED', StartedTimestamp: now, ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 3 }] }),
      answer(StartMessageMoveTaskCommand, { TaskHandle: 'task-2' }),
      answer(ListMessageMoveTasksCommand, { Results: [{ Status: 'COMPLETED', StartedTimestamp: now, ApproximateNumberOfMessagesMoved: 0, ApproximateNumberOfMessagesToMove: 0 }] }),
    ];
    const io = captureIo();

    const code = await main(
      ['redrive', '--target', 'aws', '--region', REGION, '--dlq-arn', NOTIFY_DLQ, '--dlq-arn', OTHER_DLQ, '--max-per-second', '10', '--poll-interval', '0.001'],
      io,
    );

    expect(code).toBe(0);
    expect(sdk.requests()).toEqual([
      ['StartMessageMoveTaskCommand', { SourceArn: NOTIFY_DLQ, MaxNumberOfMessagesPerSecond: 10 }],
      ['ListMessageMoveTasksCommand', { SourceArn: NOTIFY_DLQ, MaxResults: 1 }],
      ['ListMessageMoveTasksCommand', { SourceArn: NOTIFY_DLQ, MaxResults: 1 }],
      ['StartMessageMoveTaskCommand', { SourceArn: OTHER_DLQ, MaxNumberOfMessagesPerSecond: 10 }],
      ['ListMessageMoveTasksCommand', { SourceArn: OTHER_DLQ, MaxResults: 1 }],
    ]);
    expect(io.stdout.text).toBe(
      `${NOTIFY_DLQ}: COMPLETED, 3/3 message(s) moved back\n${OTHER_DLQ}: COMPLETED, 0/0 message(s) moved back\n`,
    );
    expect(io.stderr.text).toContain(`${NOTIFY_DLQ}: RUNNING 1/3 moved\n`);
  });

  it("finds the DLQs in the stack's outputs: moves the notify DLQ, and says the rule-targets DLQ needs a replay", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgpipe-cli-outputs-'));
    const outputs = join(dir, 'cdk-outputs.json');
    await writeFile(outputs, JSON.stringify({ ImgpipeFoundation: { NotifyDlqUrl: NOTIFY_DLQ_URL, RuleTargetsDlqUrl: RULE_TARGETS_DLQ_URL } }));
    sdk.answers = [
      answer(GetQueueAttributesCommand, { Attributes: { QueueArn: NOTIFY_DLQ, ApproximateNumberOfMessages: '2' } }),
      answer(GetQueueAttributesCommand, { Attributes: { QueueArn: 'arn:rule-targets', ApproximateNumberOfMessages: '5' } }),
      answer(StartMessageMoveTaskCommand, { TaskHandle: 'task-1' }),
      answer(ListMessageMoveTasksCommand, { Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 2, ApproximateNumberOfMessagesToMove: 2 }] }),
    ];
    const io = captureIo();

    let code: number;
    try {
      code = await main(['redrive', '--target', 'aws', '--region', REGION, '--stack', 'ImgpipeFoundation', '--outputs-file', outputs, '--poll-interval', '0.001'], io);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    expect(code).toBe(0);
    expect(sdk.requests()).toEqual([
      ['GetQueueAttributesCommand', { QueueUrl: NOTIFY_DLQ_URL, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }],
      ['GetQueueAttributesCommand', { QueueUrl: RULE_TARGETS_DLQ_URL, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }],
      ['StartMessageMoveTaskCommand', { SourceArn: NOTIFY_DLQ }],
      ['ListMessageMoveTasksCommand', { SourceArn: NOTIFY_DLQ, MaxResults: 1 }],
    ]);
    expect(io.stderr.text).toContain('arn:rule-targets holds 5 failed EventBridge delivery(ies)');
    expect(io.stderr.text).toContain('imgpipe replay --target aws');
  });

  it('waits past an older finished task for its own, and exits 1 with the reason when the task fails', async () => {
    sdk.answers = [
      answer(StartMessageMoveTaskCommand, { TaskHandle: 'task-new' }),
      // SQS has not listed the new task yet: the latest is yesterday's.
      answer(ListMessageMoveTasksCommand, { Results: [{ Status: 'COMPLETED', StartedTimestamp: Date.now() - 86_400_000 }] }),
      answer(ListMessageMoveTasksCommand, { Results: [{ TaskHandle: 'task-old', Status: 'RUNNING' }] }),
      answer(ListMessageMoveTasksCommand, {
        Results: [{ Status: 'FAILED', StartedTimestamp: Date.now(), ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 4, FailureReason: 'AWS.SimpleQueueService.NonExistentQueue' }],
      }),
    ];
    const io = captureIo();

    const code = await main(['redrive', '--target', 'aws', '--region', REGION, '--dlq-arn', NOTIFY_DLQ, '--poll-interval', '0.001'], io);

    expect(code).toBe(1);
    expect(sdk.requests()).toHaveLength(4);
    expect(io.stdout.text).toBe(`${NOTIFY_DLQ}: FAILED, 1/4 message(s) moved back (AWS.SimpleQueueService.NonExistentQueue)\n`);
  });

  it('refuses a command line without a DLQ, and a rate over 500, before calling AWS (exit 2)', async () => {
    const io = captureIo();

    expect(await main(['redrive', '--target', 'aws', '--region', REGION], io)).toBe(2);
    expect(io.stderr.text).toContain('--target aws needs --dlq-arn or --stack');
    expect(await main(['redrive', '--target', 'aws', '--dlq-arn', NOTIFY_DLQ, '--max-per-second', '501'], io)).toBe(2);
    expect(sdk.send).not.toHaveBeenCalled();
  });
});
