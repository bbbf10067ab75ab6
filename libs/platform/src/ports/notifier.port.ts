/** A message attribute: a string, a number, or a list of strings (SNS `String.Array`). */
export type MessageAttributeValue = string | number | readonly string[];

export interface Notification {
  /** The body; an object is sent as JSON. */
  readonly message: string | object;
  readonly subject?: string;
  /** Subscribers filter on these (e.g. `userId`, `status`). */
  readonly attributes?: Readonly<Record<string, MessageAttributeValue>>;
}

/** Fans a message out to subscribers (an SNS topic on AWS). */
export interface Notifier {
  notify(notification: Notification): Promise<{ messageId: string }>;
}
