import { PlatformError } from '@imgpipe/platform';

/** Why a webhook delivery failed. */
export type WebhookFailureCode =
  /** The URL (scheme, credentials, or an address it resolves to) is not allowed. */
  | 'WEBHOOK_URL_REFUSED'
  /** No complete response within the timeout. */
  | 'WEBHOOK_TIMEOUT'
  /** DNS or connection failure, or the connection broke. */
  | 'WEBHOOK_NETWORK'
  /** The receiver answered with a redirect, which is never followed. */
  | 'WEBHOOK_REDIRECT'
  /** The receiver answered with a non-2xx status. */
  | 'WEBHOOK_HTTP_STATUS';

/**
 * A webhook could not be delivered. `retryable` says whether the next SQS delivery might
 * succeed (timeouts, network errors, 5xx, 408, 429); refusals and redirects never will.
 * The message names the webhook by id and origin only: a URL's path and query may hold a token.
 */
export class WebhookDeliveryError extends PlatformError<WebhookFailureCode> {
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;

  constructor(options: {
    readonly code: WebhookFailureCode;
    readonly message: string;
    readonly retryable: boolean;
    readonly status?: number;
    readonly cause?: unknown;
  }) {
    super(options);
    if (options.status !== undefined) this.status = options.status;
  }
}

/** One target that failed for an event. */
export interface FailedDelivery {
  /** `sns` or `webhook:<id>`. */
  readonly target: string;
  readonly error: Error;
}

/**
 * Some of an event's deliveries failed (the others succeeded and are recorded, so the
 * retry of the SQS message only repeats these). Retryable when any failure is.
 */
export class NotificationDeliveryError extends PlatformError {
  constructor(
    readonly eventId: string,
    readonly failures: readonly FailedDelivery[],
  ) {
    super({
      code: 'NOTIFICATION_DELIVERY_FAILED',
      message:
        `event ${eventId}: ${failures.length} deliver${failures.length === 1 ? 'y' : 'ies'} failed: ` +
        failures.map((f) => `${f.target} (${f.error.message})`).join('; '),
      retryable: failures.some((f) => (f.error as { retryable?: unknown }).retryable !== false),
      cause: failures[0]?.error,
    });
  }
}
