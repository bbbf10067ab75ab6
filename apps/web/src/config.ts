/**
 * `config.json`: where this deployment keeps its API, its images, its sign-in and its live
 * updates (`WebConfig` of `@imgpipe/contracts/views`). The page reads it before anything
 * else, relative to itself: the local runtime serves one, on AWS the Api stack writes one
 * beside `index.html`.
 *
 * Read tolerantly, like the API's answers: unknown fields are dropped, a trailing `/` is
 * trimmed off the URL prefixes (not off the issuer, which must match the tokens' `iss`), an optional field of the wrong type is treated as absent.
 * A config the UI cannot work with (no API, an unknown sign-in kind) is a
 * {@link ConfigError} that says which field is at fault.
 */
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { RealtimeConfigSchema, type WebAuthConfig, type WebConfig } from '@imgpipe/contracts/views';
import * as z from 'zod/mini';
import type { FetchLike } from './api';
import { isRecord, parseJson, str, type Json } from './json';

export type { WebAuthConfig, WebConfig };

/** The `oidc` sign-in settings. */
export type OidcAuthConfig = Extract<WebAuthConfig, { kind: 'oidc' }>;

/** Where the page reads its config: next to `index.html`. */
export const CONFIG_PATH = 'config.json';

/** `config.json` could not be loaded or is not a config the UI can use. */
export class ConfigError extends ImgpipeError<'INVALID_CONFIG'> {
  override readonly name = 'ConfigError';

  constructor(message: string, options?: { cause?: unknown }) {
    super({ code: 'INVALID_CONFIG', message, cause: options?.cause });
  }
}

/** `url` without trailing slashes: `https://api.example/` -> `https://api.example`; `/` -> `''`. */
function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A required string field; `''` is allowed only when `allowEmpty`. */
function required(value: Json, field: string, where: string, allowEmpty = false): string {
  const text = str(value[field])?.trim();
  if (text === undefined || (!allowEmpty && text === '')) {
    throw new ConfigError(`${CONFIG_PATH}: ${where}${field} must be a ${allowEmpty ? '' : 'non-empty '}string.`);
  }
  return text;
}

/** An optional URL: a non-empty string, else absent. */
function optionalUrl(value: unknown): string | undefined {
  const text = str(value)?.trim();
  return text ? text : undefined;
}

function decodeAuth(value: unknown): WebAuthConfig {
  if (!isRecord(value)) throw new ConfigError(`${CONFIG_PATH}: auth must be an object ({ "kind": "dev" | "oidc", ... }).`);
  const kind = value['kind'];
  if (kind === 'dev') return { kind, loginUrl: required(value, 'loginUrl', 'auth.') };
  if (kind === 'oidc') {
    const listed = Array.isArray(value['scopes']) ? value['scopes'].filter((s): s is string => typeof s === 'string' && s.trim() !== '') : [];
    // Without `openid` the provider returns no ID token, and the ID token is the API's bearer.
    const scopes = listed.includes('openid') ? listed : ['openid', ...listed];
    const authorizationEndpoint = optionalUrl(value['authorizationEndpoint']);
    const tokenEndpoint = optionalUrl(value['tokenEndpoint']);
    const logoutEndpoint = optionalUrl(value['logoutEndpoint']);
    return {
      kind,
      // Exactly as given: it is compared, byte for byte, with the ID token's `iss` and the discovery document's `issuer`.
      issuer: required(value, 'issuer', 'auth.'),
      clientId: required(value, 'clientId', 'auth.'),
      scopes,
      ...(authorizationEndpoint ? { authorizationEndpoint } : {}),
      ...(tokenEndpoint ? { tokenEndpoint } : {}),
      ...(logoutEndpoint ? { logoutEndpoint } : {}),
    };
  }
  throw new ConfigError(`${CONFIG_PATH}: auth.kind must be "dev" or "oidc", not ${JSON.stringify(kind ?? null)}.`);
}

/**
 * A {@link WebConfig} from parsed JSON.
 *
 * @throws ConfigError when a required field is missing or of the wrong type.
 * @example
 * decodeWebConfig({ apiBaseUrl: 'https://api.example/', cdnBaseUrl: '', auth: { kind: 'dev', loginUrl: '/auth/dev-login' } });
 * // { apiBaseUrl: 'https://api.example', cdnBaseUrl: '', auth: {...}, eventsUrl: null, statsUrl: null }
 */
export function decodeWebConfig(value: unknown): WebConfig {
  if (!isRecord(value)) throw new ConfigError(`${CONFIG_PATH} is not a JSON object.`);
  const dashboardUrl = optionalUrl(value['dashboardUrl']);
  // The push service is optional: one the UI cannot read is absent (the list call is the fallback).
  const realtime = z.safeParse(RealtimeConfigSchema, value['realtime']);
  return {
    apiBaseUrl: trimSlash(required(value, 'apiBaseUrl', '')),
    // '' is the distribution's root: images at `/thumbnails/...`.
    cdnBaseUrl: trimSlash(required(value, 'cdnBaseUrl', '', true)),
    auth: decodeAuth(value['auth']),
    eventsUrl: optionalUrl(value['eventsUrl']) ?? null,
    statsUrl: optionalUrl(value['statsUrl']) ?? null,
    ...(dashboardUrl ? { dashboardUrl } : {}),
    ...(realtime.success ? { realtime: realtime.data } : {}),
  };
}

/**
 * Fetches and decodes `config.json` (relative to the page; never from a cache).
 *
 * @throws ConfigError with a sentence for a person: not reachable, an HTTP error, not JSON, or not a config.
 */
export async function loadWebConfig(fetch: FetchLike, url: string = CONFIG_PATH): Promise<WebConfig> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (cause) {
    throw new ConfigError(`${CONFIG_PATH} could not be loaded: the server was not reached.`, { cause });
  }
  if (!response.ok) throw new ConfigError(`${CONFIG_PATH} could not be loaded: the server answered HTTP ${response.status}.`);
  const text = await response.text().catch(() => '');
  const value = parseJson(text);
  if (value === undefined) throw new ConfigError(`${CONFIG_PATH} could not be read: it is not JSON.`);
  return decodeWebConfig(value);
}
