import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { main } from '../main';
import { captureIo } from '../testing/capture-io';
import { answer, scriptClient, type ScriptedClient } from '../testing/scripted-sdk';
import { AsyncInvokeRecordError, parseAsyncInvokeRecord } from './redrive.aws';

/*
 * The async-invokes DLQ holds Lambda's on-failure records; SQS cannot move them back, so the
 * CLI re-invokes each record's function. Neither SQS receives nor Lambda invokes have a local
 * peer: the SDK clients' `send` is scripted and the exact requests asserted.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:imgpipe-dev-foundation-AsyncInvokesDlq5E6F`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/imgpipe-dev-foundation-AsyncInvokesDlq5E6F`;
const VALIDATOR = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:imgpipe-dev-ingest-IngestOnObjectCreated1A2B`;
const S3_EVENT = { 'detail-type': 'Object Created', detail: { bucket: { name: 'originals' }, object: { key: 'uploads/u/i/a.jpg' } } };

/** Lambda's on-failure destination record (its documented shape). */
const record = (functionArn: string, requestPayload: unknown = S3_EVENT): string =>
  JSON.stringify({
    version: '1.0',
    timestamp: '2026-12-05T10:00:00.000Z',
    requestContext: { requestId: 'r-1', functionArn: `${functionArn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'Error', errorMessage: 'DynamoDB throttled' },
  });

let sqs: ScriptedClient;
let lambda: ScriptedClient;
beforeEach(() => {
  sqs = scriptClient(SQSClient);
  lambda = scriptClient(LambdaClient);
});
afterEach(() => {
  sqs.restore();
  lambda.restore();
});

const depth = (n: number) => answer(GetQueueAttributesCommand, { Attributes: { QueueArn: QUEUE_ARN, ApproximateNumberOfMessages: String(n) } });

describe('imgpipe redrive --target aws: the async-invokes DLQ', () => {
  it("re-invokes each record's event on its function (async), deletes the message once Lambda accepted it, and reads the queue from the stack's outputs", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgpipe-cli-outputs-'));
    const outputs = join(dir, 'cdk-outputs.json');
    await writeFile(outputs, JSON.stringify({ 'imgpipe-dev-foundation': { AsyncInvokesDlqUrl: QUEUE_URL } }));
    sqs.answers = [
      depth(2),
      answer(ReceiveMessageCommand, {
        Messages: [
          { MessageId: 'm-1', ReceiptHandle: 'h-1', Body: record(VALIDATOR) },
          { MessageId: 'm-2', ReceiptHandle: 'h-2', Body: record(VALIDATOR, { 'detail-type': 'Scheduled Event' }) },
        ],
      }),
      answer(DeleteMessageCommand, {}),
      answer(DeleteMessageCommand, {}),
    ];
    lambda.answers = [answer(InvokeCommand, { StatusCode: 202 }), answer(InvokeCommand, { StatusCode: 202 })];
    const io = captureIo();

    let code: number;
    try {
      code = await main(['redrive', '--target', 'aws', '--region', REGION, '--stack', 'imgpipe-dev-foundation', '--outputs-file', outputs], io);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    expect(code).toBe(0);
    expect(sqs.requests()).toEqual([
      ['GetQueueAttributesCommand', { QueueUrl: QUEUE_URL, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }],
      ['ReceiveMessageCommand', { QueueUrl: QUEUE_URL, MaxNumberOfMessages: 2, VisibilityTimeout: 60, WaitTimeSeconds: 1 }],
      ['DeleteMessageCommand', { QueueUrl: QUEUE_URL, ReceiptHandle: 'h-1' }],
      ['DeleteMessageCommand', { QueueUrl: QUEUE_URL, ReceiptHandle: 'h-2' }],
    ]);
    const invokes = lambda.requests() as Array<[string, { FunctionName: string; InvocationType: string; Payload: Uint8Array }]>;
    expect(invokes.map(([name, input]) => [name, input.FunctionName, input.InvocationType, JSON.parse(new TextDecoder().decode(input.Payload))])).toEqual([
      ['InvokeCommand', VALIDATOR, 'Event', S3_EVENT],
      ['InvokeCommand', VALIDATOR, 'Event', { 'detail-type': 'Scheduled Event' }],
    ]);
    expect(io.stdout.text).toBe(`${QUEUE_ARN}: 2 record(s) re-invoked, 0 left in the queue\n`);
    expect(io.stderr.text).toContain(`m-1: invoked ${VALIDATOR} (was RetriesExhausted)`);
  });

  it('leaves in the queue (no invoke, no delete) a record naming a function of another account, a non-record, and one Lambda refuses; exit 1', async () => {
    const foreign = `arn:aws:lambda:${REGION}:999999999999:function:drain-the-account`;
    sqs.answers = [
      depth(3),
      answer(ReceiveMessageCommand, {
        Messages: [
          { MessageId: 'm-foreign', ReceiptHandle: 'h-1', Body: record(foreign) },
          { MessageId: 'm-junk', ReceiptHandle: 'h-2', Body: 'not json' },
          { MessageId: 'm-refused', ReceiptHandle: 'h-3', Body: record(VALIDATOR) },
        ],
      }),
    ];
    lambda.answers = [
      () => {
        throw Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });
      },
    ];
    const io = captureIo();

    const code = await main(['redrive', '--target', 'aws', '--region', REGION, '--async-dlq-url', QUEUE_URL], io);

    expect(code).toBe(1);
    expect(sqs.requests().map(([name]) => name)).toEqual(['GetQueueAttributesCommand', 'ReceiveMessageCommand']);
    expect(lambda.requests().map(([, input]) => (input as { FunctionName: string }).FunctionName)).toEqual([VALIDATOR]);
    expect(io.stdout.text).toBe(`${QUEUE_ARN}: 0 record(s) re-invoked, 3 left in the queue\n`);
    expect(io.stderr.text).toContain(`m-foreign: left in the queue: refused: ${foreign}:$LATEST is not in the DLQ's own account and region`);
    expect(io.stderr.text).toContain('m-junk: left in the queue: not JSON');
    expect(io.stderr.text).toContain('m-refused: left in the queue: Lambda refused the invoke: ResourceNotFoundException');
  });

  it('--dry-run peeks (visibility 0), lists what it would re-invoke once each, and invokes and deletes nothing', async () => {
    const messages = [{ MessageId: 'm-1', ReceiptHandle: 'h-1', Body: record(VALIDATOR) }];
    sqs.answers = [depth(5), answer(ReceiveMessageCommand, { Messages: messages }), answer(ReceiveMessageCommand, { Messages: messages })];
    const io = captureIo();

    const code = await main(['redrive', '--target', 'aws', '--region', REGION, '--async-dlq-url', QUEUE_URL, '--dry-run'], io);

    expect(code).toBe(0);
    expect(sqs.requests()[1]).toEqual(['ReceiveMessageCommand', { QueueUrl: QUEUE_URL, MaxNumberOfMessages: 5, VisibilityTimeout: 0, WaitTimeSeconds: 1 }]);
    expect(sqs.requests().map(([name]) => name)).not.toContain('DeleteMessageCommand');
    expect(lambda.send).not.toHaveBeenCalled();
    expect(io.stdout.text).toBe(`${QUEUE_ARN}: 1 record(s) would be re-invoked, 0 left in the queue\n`);
  });

  it('reads at most the depth it found, so records that fail again and come back are not looped on', async () => {
    sqs.answers = [depth(1), answer(ReceiveMessageCommand, { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'h-1', Body: record(VALIDATOR) }] }), answer(DeleteMessageCommand, {})];
    lambda.answers = [answer(InvokeCommand, { StatusCode: 202 })];

    expect(await main(['redrive', '--target', 'aws', '--region', REGION, '--async-dlq-url', QUEUE_URL], captureIo())).toBe(0);
    expect(sqs.requests().map(([name]) => name)).toEqual(['GetQueueAttributesCommand', 'ReceiveMessageCommand', 'DeleteMessageCommand']);
  });
});

describe('parseAsyncInvokeRecord', () => {
  it('takes the unqualified function ARN, the event and the condition', () => {
    expect(parseAsyncInvokeRecord(record(VALIDATOR), QUEUE_ARN)).toEqual({
      functionArn: VALIDATOR,
      payload: JSON.stringify(S3_EVENT),
      condition: 'RetriesExhausted',
    });
  });

  it.each([
    ['another region', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`],
    ['another partition', `arn:aws-cn:lambda:${REGION}:${ACCOUNT}:function:f`],
    ['not a function', `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:f`],
  ])('refuses a function in %s', (_, arn) => {
    expect(() => parseAsyncInvokeRecord(record(arn), QUEUE_ARN)).toThrow(AsyncInvokeRecordError);
  });

  it('refuses a message without a payload', () => {
    expect(() => parseAsyncInvokeRecord(JSON.stringify({ requestContext: { functionArn: VALIDATOR } }), QUEUE_ARN)).toThrow(/no requestContext.functionArn or requestPayload/);
  });
});
