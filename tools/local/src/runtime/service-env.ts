import {
  SERVICE_ENV,
  TABLES,
  type AwsService,
  type Env,
  type ResourceRole,
  type ServiceEnv,
} from '@imgpipe/platform';
import { EVENT_BUS_NAME } from '@imgpipe/workflow';
import { LOCAL_BUCKETS } from './layout';

/** The local SNS topic (notify writes it to `logs/notifications.jsonl`). */
export const LOCAL_NOTIFY_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:imgpipe-local-notifications';

/**
 * The local runtime's resource for each role a service's environment can name; `undefined`
 * where it has none (so the variable is unset and the service goes without): no Secrets
 * Manager (notify reads `WEBHOOKS`), no CDN (`/cdn` reads the bucket on every request, there
 * is no cache to invalidate). A `Record` over every role: a new role needs a decision here.
 */
export const LOCAL_RESOURCES: Readonly<Record<ResourceRole, string | undefined>> = {
  originalsBucket: LOCAL_BUCKETS.originals,
  processedBucket: LOCAL_BUCKETS.processed,
  imagesTable: TABLES.imageMetadata.defaultName,
  eventsTable: TABLES.imageEvents.defaultName,
  grantsTable: TABLES.uploadGrants.defaultName,
  rateLimitsTable: TABLES.rateLimits.defaultName,
  idempotencyTable: TABLES.idempotency.defaultName,
  eventBus: EVENT_BUS_NAME,
  notifyTopic: LOCAL_NOTIFY_TOPIC_ARN,
  webhooksSecret: undefined,
  cdnDistribution: undefined,
  // The local server's `/cdn`; the runtime passes the absolute URL of its bound port (localCdnBaseUrl).
  cdnBaseUrl: '/cdn',
};

export interface LocalEnvironmentOptions {
  /** What Lambda would set as `AWS_REGION`. */
  readonly region: string;
  /** The local peers' endpoints; an endpoint variable with none here is unset. */
  readonly endpoints: Readonly<Partial<Record<AwsService | 'all', string>>>;
  /** @default {@link LOCAL_RESOURCES} */
  readonly resources?: Readonly<Record<ResourceRole, string | undefined>>;
}

/**
 * The environment the services read their configuration from, derived from their
 * declarations (`SERVICE_ENV`): `base` (the operator's knobs, e.g. `COMPRESS_FORMATS`,
 * `WEBHOOKS`) with every resource, endpoint and Lambda-set variable any service declares
 * replaced by the runtime's own, so a resource name in `base` can never point a service
 * elsewhere.
 */
export function localServiceEnv(base: Env, options: LocalEnvironmentOptions): Env {
  const resources = options.resources ?? LOCAL_RESOURCES;
  const env: Record<string, string | undefined> = { ...base };
  for (const declaration of Object.values<ServiceEnv>(SERVICE_ENV)) {
    for (const [name, variable] of Object.entries(declaration)) {
      if (variable.source === 'resource') env[name] = resources[variable.resource];
      else if (variable.source === 'endpoint') env[name] = options.endpoints[variable.service];
      else if (variable.source === 'lambda') env[name] = options.region;
    }
  }
  return env;
}

/**
 * The runtime's address as a browser on this machine writes it: a wildcard listen address
 * is reached on loopback, an IPv6 literal goes in brackets.
 *
 * @example localBaseUrl('0.0.0.0', 3000); // 'http://127.0.0.1:3000'
 */
export function localBaseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/**
 * The delivery record's URL prefix locally (`CDN_BASE_URL`): the server's `/cdn` as an
 * absolute URL on the port it is bound to (the runtime binds before it builds the
 * services, so `--port 0` gets the picked port, never a relative `/cdn`).
 *
 * @throws RangeError for a port that is not bound yet (0) or not a port.
 */
export function localCdnBaseUrl(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`the CDN base needs the bound port, got ${port}`);
  return `${localBaseUrl(host, port)}/cdn`;
}
