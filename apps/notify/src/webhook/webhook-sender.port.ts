/** One signed POST to a webhook. */
export interface WebhookRequest {
  readonly url: string;
  /** The JSON body, exactly the bytes that were signed. */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What came back from a receiver that answered 2xx. */
export interface WebhookResponse {
  readonly status: number;
  /** Bytes of the response body read (never more than the sender's cap). */
  readonly bodyBytesRead: number;
  /** Whether the body was longer than the cap and the rest was dropped unread. */
  readonly truncated: boolean;
}

/**
 * POSTs a webhook. Resolves only for a 2xx answer; throws `WebhookDeliveryError`
 * otherwise (refused URL, timeout, network, redirect, other status).
 */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}
