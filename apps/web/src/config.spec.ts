import type { FetchLike } from './api';
import { ConfigError, decodeWebConfig, loadWebConfig } from './config';
import { COGNITO_AUTH } from './test-fixtures';

/** What the local runtime serves (tools/local). */
const local = {
  apiBaseUrl: '/api',
  cdnBaseUrl: '/cdn',
  auth: { kind: 'dev', loginUrl: '/auth/dev-login' },
  eventsUrl: '/api/events',
  statsUrl: '/api/stats',
};

/** What the Api stack writes on AWS (infra's webConfigFor). */
const aws = {
  apiBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
  cdnBaseUrl: '',
  auth: COGNITO_AUTH,
  eventsUrl: null,
  statsUrl: null,
  dashboardUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/imgpipe',
};

describe('decodeWebConfig', () => {
  it('reads the local runtime’s and an AWS deployment’s config as they are', () => {
    expect(decodeWebConfig(local)).toEqual(local);
    expect(decodeWebConfig(aws)).toEqual(aws);
  });

  it('trims trailing slashes, drops unknown fields, and reads absent or mistyped optional fields as absent', () => {
    expect(
      decodeWebConfig({
        apiBaseUrl: 'https://api.example/v1/',
        cdnBaseUrl: '/',
        auth: { kind: 'dev', loginUrl: '/auth/dev-login', extra: 1 },
        statsUrl: 42,
        dashboardUrl: '',
        future: true,
      }),
    ).toEqual({
      apiBaseUrl: 'https://api.example/v1',
      cdnBaseUrl: '',
      auth: { kind: 'dev', loginUrl: '/auth/dev-login' },
      eventsUrl: null,
      statsUrl: null,
    });
  });

  it('reads an external issuer with no endpoints (discovery), adding the openid scope it needs, and keeps the issuer exactly (it must equal the tokens\' iss)', () => {
    expect(decodeWebConfig({ ...aws, auth: { kind: 'oidc', issuer: 'https://login.example/realm/', clientId: 'c', scopes: ['email', 7] } }).auth).toEqual({
      kind: 'oidc',
      issuer: 'https://login.example/realm/',
      clientId: 'c',
      scopes: ['openid', 'email'],
    });
  });

  it('says which field is missing or wrong', () => {
    expect(() => decodeWebConfig([])).toThrow(new ConfigError('config.json is not a JSON object.'));
    expect(() => decodeWebConfig({ ...local, apiBaseUrl: '' })).toThrow('config.json: apiBaseUrl must be a non-empty string.');
    expect(() => decodeWebConfig({ ...local, cdnBaseUrl: undefined })).toThrow('config.json: cdnBaseUrl must be a string.');
    expect(() => decodeWebConfig({ ...local, auth: undefined })).toThrow(/auth must be an object/);
    expect(() => decodeWebConfig({ ...local, auth: { kind: 'saml' } })).toThrow('config.json: auth.kind must be "dev" or "oidc", not "saml".');
    expect(() => decodeWebConfig({ ...local, auth: { kind: 'dev' } })).toThrow('config.json: auth.loginUrl must be a non-empty string.');
    expect(() => decodeWebConfig({ ...aws, auth: { ...aws.auth, clientId: 5 } })).toThrow('config.json: auth.clientId must be a non-empty string.');
  });
});

describe('loadWebConfig', () => {
  const answering =
    (status: number, body: string): FetchLike =>
    async () =>
      new Response(body, { status });

  it('fetches config.json beside the page, bypassing the cache', async () => {
    const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
    const fetch: FetchLike = async (url, init) => {
      calls.push({ url, init });
      return new Response(JSON.stringify(local), { status: 200 });
    };

    expect(await loadWebConfig(fetch)).toEqual(local);
    expect(calls[0]?.url).toBe('config.json');
    expect(calls[0]?.init?.cache).toBe('no-store');
  });

  it('explains a config it cannot load or read', async () => {
    await expect(loadWebConfig(answering(404, 'Not Found'))).rejects.toThrow('config.json could not be loaded: the server answered HTTP 404.');
    await expect(loadWebConfig(answering(200, '<html>'))).rejects.toThrow('config.json could not be read: it is not JSON.');
    await expect(
      loadWebConfig(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).rejects.toThrow(ConfigError);
  });
});
