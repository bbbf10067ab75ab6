import { PublishCommand, type MessageAttributeValue as SnsAttribute, type SNSClient } from '@aws-sdk/client-sns';
import type { MessageAttributeValue, Notification, Notifier } from '../ports/notifier.port';
import { dependencyError } from './errors';

/** SNS message attributes from plain values: string, number, or list of strings. */
export function toSnsAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>> = {},
): Record<string, SnsAttribute> {
  const out: Record<string, SnsAttribute> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new RangeError(`message attribute ${name} must be a finite number`);
      out[name] = { DataType: 'Number', StringValue: String(value) };
    } else if (typeof value === 'string') {
      out[name] = { DataType: 'String', StringValue: value };
    } else {
      out[name] = { DataType: 'String.Array', StringValue: JSON.stringify(value) };
    }
  }
  return out;
}

/** {@link Notifier} on an SNS topic; attributes let subscribers filter (e.g. by `userId`). */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(notification: Notification): Promise<{ messageId: string }> {
    try {
      const out = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Message: typeof notification.message === 'string' ? notification.message : JSON.stringify(notification.message),
          ...(notification.subject ? { Subject: notification.subject } : {}),
          MessageAttributes: toSnsAttributes(notification.attributes),
        }),
      );
      return { messageId: out.MessageId ?? '' };
    } catch (error) {
      throw dependencyError('SNS', 'Publish', error);
    }
  }
}
