import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '@imgpipe/platform';
import { secretWebhooks, staticWebhooks } from './webhook-source';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:imgpipe/webhooks-AbCdEf';
const strict = { allowHttp: false, allowLoopback: false };
const secret = 'whsec_source_0123456789';
const list = (url: string) => JSON.stringify([{ url, secret }]);

/*
 * Secrets Manager has no local peer, so the SDK client's `send` is mocked under the real
 * Powertools provider: the requests it makes and its cache are what is asserted.
 */
describe('secretWebhooks', () => {
  let send: jest.SpyInstance;
  let values: (string | Uint8Array | undefined)[];

  beforeEach(() => {
    values = [];
    send = jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation((async (command: unknown) => {
      expect(command).toBeInstanceOf(GetSecretValueCommand);
      const value = values.shift();
      return typeof value === 'string' ? { SecretString: value } : value === undefined ? {} : { SecretBinary: value };
    }) as never);
  });
  afterEach(() => send.mockRestore());

  const source = (maxAgeSeconds: number) =>
    secretWebhooks({
      secretArn: ARN,
      maxAgeSeconds,
      policy: strict,
      provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region: 'eu-west-1' }) }),
    });

  it('reads the secret once per max age and keeps the same list while its text is unchanged', async () => {
    values = [list('https://hooks.example.com/a')];
    const webhooks = source(300);

    const first = await webhooks();
    const second = await webhooks();

    expect(first).toEqual([expect.objectContaining({ url: 'https://hooks.example.com/a', secret })]);
    expect(second).toBe(first);
    expect(send).toHaveBeenCalledTimes(1);
    expect((send.mock.calls[0]?.[0] as GetSecretValueCommand).input).toEqual({ SecretId: ARN });
  });

  it('picks up a changed list once the cached value is older than the max age', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      values = [list('https://hooks.example.com/a'), list('https://hooks.example.com/b')];
      const webhooks = source(60);
      const first = await webhooks();
      jest.setSystemTime(Date.parse('2026-01-01T00:01:01Z'));

      const second = await webhooks();

      expect(send).toHaveBeenCalledTimes(2);
      expect(second).not.toBe(first);
      expect(second.map((w) => w.url)).toEqual(['https://hooks.example.com/b']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses a list that fails the URL policy, naming the field and not the secret', async () => {
    values = [list('https://169.254.169.254/latest')];

    const error = await source(300)().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['WEBHOOKS_SECRET_ARN.0.url']);
    expect((error as Error).message).not.toContain(secret);
  });

  it('refuses a binary secret with a sentence saying what to store', async () => {
    values = [new TextEncoder().encode(list('https://hooks.example.com/a'))];

    await expect(source(300)()).rejects.toThrow(/is binary; store the webhook list as a JSON string/);
  });
});

describe('staticWebhooks', () => {
  it('gives the same list every time', async () => {
    const webhooks = [{ id: 'a', url: 'https://hooks.example.com/a', secret }];
    const source = staticWebhooks(webhooks);
    expect(await source()).toBe(webhooks);
    expect(await source()).toBe(webhooks);
  });
});
