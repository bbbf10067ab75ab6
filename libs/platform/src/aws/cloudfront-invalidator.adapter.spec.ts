import type { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DependencyError } from '../errors';
import { derivativeCdnPaths } from '../object-keys';
import { CloudFrontInvalidator } from './cloudfront-invalidator.adapter';

// CloudFront has no local peer: the request is asserted on the client's `send`.
function fakeCloudFront(answer: (input: CreateInvalidationCommand['input']) => Promise<unknown>) {
  const sent: Array<CreateInvalidationCommand['input']> = [];
  const client = {
    send: async (command: CreateInvalidationCommand) => {
      sent.push(command.input);
      return answer(command.input);
    },
  } as unknown as CloudFrontClient;
  return { client, sent };
}

const sdkError = (name: string, httpStatusCode: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

describe('CloudFrontInvalidator', () => {
  it("invalidates an image's derivative paths on the distribution, named by the caller's reference", async () => {
    const { client, sent } = fakeCloudFront(async () => ({ Invalidation: { Id: 'I2J3K4' }, $metadata: {} }));
    const paths = derivativeCdnPaths('alice', 'img-1');

    const result = await new CloudFrontInvalidator(client, 'E2ABCDEF123456').invalidate({ paths, reference: 'delete-abc' });

    expect(paths).toEqual(['/compressed/alice/img-1/*', '/thumbnails/alice/img-1/*']);
    expect(result).toEqual({ invalidationId: 'I2J3K4' });
    expect(sent).toEqual([
      {
        DistributionId: 'E2ABCDEF123456',
        InvalidationBatch: {
          CallerReference: 'delete-abc',
          Paths: { Quantity: 2, Items: ['/compressed/alice/img-1/*', '/thumbnails/alice/img-1/*'] },
        },
      },
    ]);
  });

  it('sends the same CallerReference when the same request is retried, so CloudFront makes one invalidation', async () => {
    const { client, sent } = fakeCloudFront(async () => ({ Invalidation: { Id: 'I1' }, $metadata: {} }));
    const cdn = new CloudFrontInvalidator(client, 'E1');
    const request = { paths: derivativeCdnPaths('alice', 'img-1'), reference: 'delete-abc' };

    await cdn.invalidate(request);
    await cdn.invalidate(request);

    expect(sent.map((input) => input.InvalidationBatch?.CallerReference)).toEqual(['delete-abc', 'delete-abc']);
  });

  it('sends nothing for no paths, and refuses paths without a leading slash or an unusable reference', async () => {
    const { client, sent } = fakeCloudFront(async () => ({ $metadata: {} }));
    const cdn = new CloudFrontInvalidator(client, 'E1');

    await expect(cdn.invalidate({ paths: [], reference: 'r' })).resolves.toEqual({});
    await expect(cdn.invalidate({ paths: ['thumbnails/a/*'], reference: 'r' })).rejects.toBeInstanceOf(RangeError);
    await expect(cdn.invalidate({ paths: ['/a/*'], reference: '' })).rejects.toBeInstanceOf(RangeError);
    await expect(cdn.invalidate({ paths: ['/a/*'], reference: 'x'.repeat(129) })).rejects.toBeInstanceOf(RangeError);
    expect(sent).toEqual([]);
  });

  it.each([
    ['TooManyInvalidationsInProgress', 400, true],
    ['ThrottlingException', 400, true],
    ['ServiceUnavailable', 503, true],
    ['AccessDenied', 403, false],
    ['NoSuchDistribution', 404, false],
    ['InvalidationBatchAlreadyExists', 409, false],
  ])('classifies %s (HTTP %i) as a DependencyError, retryable: %s', async (name, status, retryable) => {
    const { client } = fakeCloudFront(async () => Promise.reject(sdkError(name, status)));

    const error = await new CloudFrontInvalidator(client, 'E1')
      .invalidate({ paths: ['/a/*'], reference: 'r' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DependencyError);
    expect(error).toMatchObject({ dependency: 'CloudFront', operation: 'CreateInvalidation', retryable });
  });
});
