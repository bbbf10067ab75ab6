/**
 * `@imgpipe/contracts/views`: the shapes the read side shows — what the metadata projection
 * stores, the API returns and the web UI renders. Plain types and one constant, no imports,
 * so the browser bundle can take them without zod or the event contracts.
 */

/** Where an image is in the pipeline (the read model's `status`). */
export const IMAGE_STATUSES = ['processing', 'processed', 'failed', 'deleted'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** One event of an image's history as the API shows it (`GET /images/{id}`), oldest first. */
export interface HistoryEntry {
  /** 1 for the image's first event, then 2, 3, ... */
  readonly sequence: number;
  readonly eventId: string;
  /** The event name, e.g. `ImageUploaded`. */
  readonly detailType: string;
  /** The producer, e.g. `imgpipe.compress`. */
  readonly source: string;
  readonly occurredAt: string;
  readonly correlationId?: string;
  /** The event's `detail.data`, as the contract of `detailType` describes it. */
  readonly data: unknown;
}

/** Pipeline-wide figures: `GET <statsUrl>` and the `stats` events of `<eventsUrl>` ({@link WebConfig}; `/api/stats` and `/api/events` locally). */
export interface DashboardStats {
  readonly processed: number;
  readonly failed: number;
  readonly failedByCode: Readonly<Record<string, number>>;
  readonly processing: number;
  /** Processing time percentiles (upload to record) of processed images; `null` before the first. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  /** Σ (original − compressed) over processed images. */
  readonly bytesSaved: number;
  /** Σ original over processed images. */
  readonly originalBytes: number;
  /** Messages waiting in the dead-letter queues (the notify queue's and the bus targets'). */
  readonly dlqDepth: number;
}

/** An `image` event of the `<eventsUrl>` stream: one of the caller's images changed. */
export interface ImageChange {
  readonly imageId: string;
  readonly detailType: string;
  /** The image's status after the change, when the server says. */
  readonly status?: ImageStatus;
  readonly occurredAt?: string;
}

/**
 * `GET /config.json`: where the web UI finds its API, its images and its sign-in. The local
 * runtime serves one for `npm start`; on AWS the Api stack writes one into the UI's bucket
 * (the HTTP API's URL, the Cognito hosted sign-in). The UI reads it before anything else.
 */
export interface WebConfig {
  /** Prefix of the upload API's routes (`/uploads`, `/images`, ...): `/api` locally, the HTTP API's URL on AWS; no trailing `/`. */
  readonly apiBaseUrl: string;
  /** Prefix of processed-object URLs (`<cdnBaseUrl>/thumbnails/...`): `/cdn` locally, `''` behind CloudFront. */
  readonly cdnBaseUrl: string;
  readonly auth: WebAuthConfig;
  /** The server-sent event stream of image changes and stats, or `null`: the UI polls what it watches. */
  readonly eventsUrl: string | null;
  /** `GET` pipeline-wide {@link DashboardStats}, or `null` when the deployment has none (see `dashboardUrl`). */
  readonly statsUrl: string | null;
  /** Where the pipeline's figures are shown instead, when `statsUrl` is `null` (a CloudWatch dashboard). */
  readonly dashboardUrl?: string;
}

/** How a person signs in. */
export type WebAuthConfig =
  /** The local runtime: `POST /auth/dev-login` (loopback only) and the sign-in link `npm start` prints. */
  | { readonly kind: 'dev'; readonly loginUrl: string }
  /**
   * An OpenID Connect provider (the Cognito user pool's hosted sign-in, or the issuer given to
   * the deployment): authorization code flow with PKCE, a public client; the ID token is the
   * bearer the API's JWT authorizer checks (its `aud` is `clientId`). Endpoints absent here
   * are read from `<issuer>/.well-known/openid-configuration`.
   */
  | {
      readonly kind: 'oidc';
      readonly issuer: string;
      readonly clientId: string;
      readonly scopes: readonly string[];
      readonly authorizationEndpoint?: string;
      readonly tokenEndpoint?: string;
      /** Cognito's `/logout` (it takes `client_id` and `logout_uri`); absent: sign-out is local only. */
      readonly logoutEndpoint?: string;
    };
