/**
 * Test fixtures shared by the web UI's specs (never imported by the app, so never bundled).
 */
import type { TokenStorage } from './auth';
import type { OidcAuthConfig } from './config';

/** `Storage` in memory, with its items open to assertions. */
export function memoryStorage(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

export const base64Url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/**
 * A JWT with `payload` as its claims and a meaningless signature: the UI decodes claims for
 * display, and oauth4webapi checks the claims (not the signature) of an ID token it receives
 * straight from the token endpoint.
 */
export const unsignedJwt = (payload: object, header: object = { alg: 'RS256' }): string =>
  `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(payload))}.c2lnbmF0dXJl`;

/** The `auth` of a deployment's config.json with the Cognito user pool (explicit hosted-UI endpoints). */
export const COGNITO_AUTH: OidcAuthConfig = {
  kind: 'oidc',
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  clientId: 'client123',
  scopes: ['openid', 'email', 'profile'],
  authorizationEndpoint: 'https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
  tokenEndpoint: 'https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/token',
  logoutEndpoint: 'https://imgpipe.auth.eu-west-1.amazoncognito.com/logout',
};
