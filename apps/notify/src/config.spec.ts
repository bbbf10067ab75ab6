import { ConfigError } from '@imgpipe/platform';
import { loadNotifyConfig, parseWebhookList } from './config';

const base = {
  AWS_REGION: 'eu-west-1',
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:imgpipe-notifications',
  IDEMPOTENCY_TABLE: 'imgpipe-idempotency',
};
const secret = 'whsec_config_0123456789';

function problem(env: Record<string, string>): ConfigError {
  try {
    loadNotifyConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadNotifyConfig', () => {
  it('defaults to no webhooks, a 5 s timeout and the strict policy', () => {
    const config = loadNotifyConfig(base);

    expect(config).toMatchObject({
      topicArn: base.NOTIFY_TOPIC_ARN,
      idempotencyTable: base.IDEMPOTENCY_TABLE,
      webhooks: [],
      webhookTimeoutMs: 5000,
      webhookPolicy: { allowHttp: false, allowLoopback: false },
    });
  });

  it('reads registrations as data, with ids', () => {
    const webhooks = [
      { url: 'https://hooks.example.com/imgpipe', secret },
      { id: 'ops', url: 'https://ops.example.com/in', secret, userId: 'user-1', events: ['ImageProcessingFailed'] },
    ];

    const config = loadNotifyConfig({ ...base, WEBHOOKS: JSON.stringify(webhooks) });

    expect(config.webhooks).toEqual([
      { id: expect.stringMatching(/^wh-[0-9a-f]{12}$/), url: webhooks[0]?.url, secret },
      { id: 'ops', url: 'https://ops.example.com/in', secret, userId: 'user-1', events: ['ImageProcessingFailed'] },
    ]);
  });

  it('lets a local set-up allow http and loopback receivers', () => {
    const config = loadNotifyConfig({
      ...base,
      WEBHOOKS: JSON.stringify([{ url: 'http://127.0.0.1:8080/hook', secret }]),
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    });

    expect(config.webhookPolicy).toEqual({ allowHttp: true, allowLoopback: true });
  });

  it.each([
    ['http without the knob', [{ url: 'http://hooks.example.com/x', secret }], 'WEBHOOKS.0.url'],
    ['the metadata address', [{ url: 'https://169.254.169.254/x', secret }], 'WEBHOOKS.0.url'],
    ['loopback without the knob', [{ url: 'https://127.0.0.1/x', secret }], 'WEBHOOKS.0.url'],
    ['credentials in the URL', [{ url: 'https://u:p@hooks.example.com/x', secret }], 'WEBHOOKS.0.url'],
    ['a short secret', [{ url: 'https://hooks.example.com/x', secret: 'short' }], 'WEBHOOKS.0.secret'],
    ['an unknown key', [{ url: 'https://hooks.example.com/x', secret, event: ['ImageProcessed'] }], 'WEBHOOKS.0'],
    ['an unknown event', [{ url: 'https://hooks.example.com/x', secret, events: ['ImageUploaded'] }], 'WEBHOOKS.0.events.0'],
    [
      'two registrations with the same id',
      [
        { url: 'https://a.example.com/x', secret },
        { url: 'https://a.example.com/x', secret, userId: 'u' },
      ],
      'WEBHOOKS.1.id',
    ],
  ])('refuses %s, naming the field', (_name, webhooks, variable) => {
    const error = problem({ ...base, WEBHOOKS: JSON.stringify(webhooks) });
    expect(error.variables).toEqual([variable]);
  });

  it('refuses WEBHOOKS that is not JSON without echoing it (it holds secrets)', () => {
    const error = problem({ ...base, WEBHOOKS: `[{"url":"https://x","secret":"${secret}"` });
    expect(error.variables).toEqual(['WEBHOOKS']);
    expect(error.message).not.toContain(secret);
  });

  it('names every missing variable', () => {
    const error = problem({ AWS_REGION: 'eu-west-1' });
    expect(error.variables.sort()).toEqual(['IDEMPOTENCY_TABLE', 'NOTIFY_TOPIC_ARN']);
  });

  describe('WEBHOOKS_SECRET_ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:imgpipe/webhooks-AbCdEf';

    it('points at the secret, re-read every 300 s unless told otherwise', () => {
      expect(loadNotifyConfig({ ...base, WEBHOOKS_SECRET_ARN: arn }).webhooksSecret).toEqual({ arn, maxAgeSeconds: 300 });
      expect(loadNotifyConfig({ ...base, WEBHOOKS_SECRET_ARN: arn, WEBHOOKS_SECRET_MAX_AGE_S: '60' }).webhooksSecret).toEqual({
        arn,
        maxAgeSeconds: 60,
      });
      expect(loadNotifyConfig(base).webhooksSecret).toBeUndefined();
    });

    it('refuses a value that is not a Secrets Manager ARN, and a list in WEBHOOKS beside it', () => {
      expect(problem({ ...base, WEBHOOKS_SECRET_ARN: 'imgpipe/webhooks' }).variables).toEqual(['WEBHOOKS_SECRET_ARN']);
      const both = problem({ ...base, WEBHOOKS_SECRET_ARN: arn, WEBHOOKS: JSON.stringify([{ url: 'https://hooks.example.com/x', secret }]) });
      expect(both.variables).toEqual(['WEBHOOKS_SECRET_ARN']);
      expect(both.message).toContain('not both');
    });
  });
});

describe('parseWebhookList', () => {
  const strict = { allowHttp: false, allowLoopback: false };

  it('reads a list with the checks of WEBHOOKS; an empty text is no webhooks', () => {
    expect(parseWebhookList(JSON.stringify([{ url: 'https://hooks.example.com/x', secret }]), strict)).toEqual([
      expect.objectContaining({ url: 'https://hooks.example.com/x', secret }),
    ]);
    expect(parseWebhookList('  ', strict)).toEqual([]);
  });

  it('names the source and the field at fault, and never echoes the text', () => {
    const text = JSON.stringify([{ url: 'http://hooks.example.com/x', secret }]);
    let caught: unknown;
    try {
      parseWebhookList(text, strict);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variables).toEqual(['WEBHOOKS_SECRET_ARN.0.url']);
    expect((caught as ConfigError).message).not.toContain(secret);
    expect(() => parseWebhookList(`[{"secret":"${secret}"`, strict)).toThrow(/WEBHOOKS_SECRET_ARN is invalid: must be JSON/);
    expect(() => parseWebhookList(text, { allowHttp: true, allowLoopback: false })).not.toThrow();
  });
});
