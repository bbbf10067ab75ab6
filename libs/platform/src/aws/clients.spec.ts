import { clientConfig, createAwsClients, endpointFor, s3ClientConfig } from './clients';

describe('AWS client configuration', () => {
  it('always computes S3 checksums only when required, and uses path style only with an endpoint', () => {
    expect(s3ClientConfig({ region: 'eu-west-1' })).toEqual({
      region: 'eu-west-1',
      forcePathStyle: false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    expect(s3ClientConfig({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4568' })).toMatchObject({
      endpoint: 'http://127.0.0.1:4568',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    expect(clientConfig({ region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
  });

  it('lets a per-service endpoint win over the shared one', () => {
    const config = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:1000', endpoints: { dynamodb: 'http://127.0.0.1:2000' } };

    expect(endpointFor(config, 'dynamodb')).toBe('http://127.0.0.1:2000');
    expect(endpointFor(config, 's3')).toBe('http://127.0.0.1:1000');
    expect(endpointFor({ region: 'eu-west-1' }, 'sns')).toBeUndefined();
  });

  it('builds clients that really carry the endpoint, region, path style and checksum settings', async () => {
    const clients = createAwsClients({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:1000',
      endpoints: { s3: 'http://127.0.0.1:4568' },
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });

    const s3Endpoint = await clients.s3.config.endpoint?.();
    const snsEndpoint = await clients.sns.config.endpoint?.();
    expect(`${s3Endpoint?.hostname}:${s3Endpoint?.port}`).toBe('127.0.0.1:4568');
    expect(`${snsEndpoint?.hostname}:${snsEndpoint?.port}`).toBe('127.0.0.1:1000');
    expect(clients.s3.config.forcePathStyle).toBe(true);
    await expect(clients.s3.config.requestChecksumCalculation()).resolves.toBe('WHEN_REQUIRED');
    await expect(clients.s3.config.responseChecksumValidation()).resolves.toBe('WHEN_REQUIRED');
    await expect(clients.dynamodb.config.region()).resolves.toBe('eu-west-1');
    expect(clients.documents).toBe(clients.documents);
    clients.destroy();
  });

  it('builds the CloudFront client on AWS whatever the endpoint overrides (it has no local peer)', async () => {
    const clients = createAwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1000' });

    const endpoint = await clients.cloudFront.config.endpoint?.();

    expect(endpoint).toBeUndefined();
    await expect(clients.cloudFront.config.region()).resolves.toBe('eu-west-1');
    clients.destroy();
  });

  it('wraps clients with the tracer when given one', () => {
    const captured: unknown[] = [];
    const clients = createAwsClients(
      { region: 'eu-west-1' },
      { tracer: { captureAWSv3Client: <T>(client: T): T => (captured.push(client), client) } },
    );

    void clients.s3;
    void clients.documents;

    expect(captured).toEqual([clients.s3, clients.dynamodb]);
    clients.destroy();
  });
});
