import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DependencyError } from '../errors';
import { SnsNotifier, toSnsAttributes } from './sns-notifier.adapter';

// No local SNS server exists: the request is asserted on a fake client.
describe('SnsNotifier', () => {
  it('maps strings, numbers and string lists to SNS attribute types', () => {
    expect(toSnsAttributes({ userId: 'u1', sizeBytes: 1234, tags: ['a', 'b'] })).toEqual({
      userId: { DataType: 'String', StringValue: 'u1' },
      sizeBytes: { DataType: 'Number', StringValue: '1234' },
      tags: { DataType: 'String.Array', StringValue: '["a","b"]' },
    });
    expect(() => toSnsAttributes({ n: Number.NaN })).toThrow(RangeError);
  });

  it('publishes the JSON message with its attributes to the topic', async () => {
    const sent: Array<PublishCommand['input']> = [];
    const sns = {
      send: async (command: PublishCommand) => {
        sent.push(command.input);
        return { MessageId: 'm-1', $metadata: {} };
      },
    } as unknown as SNSClient;

    const result = await new SnsNotifier(sns, 'arn:aws:sns:eu-west-1:123456789012:imgpipe').notify({
      message: { imageId: 'i1', status: 'processed' },
      subject: 'Image processed',
      attributes: { userId: 'u1', status: 'processed' },
    });

    expect(result).toEqual({ messageId: 'm-1' });
    expect(sent).toEqual([
      {
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:imgpipe',
        Message: '{"imageId":"i1","status":"processed"}',
        Subject: 'Image processed',
        MessageAttributes: {
          userId: { DataType: 'String', StringValue: 'u1' },
          status: { DataType: 'String', StringValue: 'processed' },
        },
      },
    ]);
  });

  it('wraps a failed publish as a DependencyError', async () => {
    const sns = { send: async () => Promise.reject(Object.assign(new Error('nope'), { name: 'AuthorizationErrorException', $metadata: { httpStatusCode: 403 } })) } as unknown as SNSClient;

    await expect(new SnsNotifier(sns, 'arn').notify({ message: 'x' })).rejects.toMatchObject({
      constructor: DependencyError,
      retryable: false,
    });
  });
});
