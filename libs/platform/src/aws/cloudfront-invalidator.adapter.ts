import { CreateInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { CdnInvalidationRequest, CdnInvalidationResult, CdnInvalidator } from '../ports/cdn-invalidator.port';
import { DependencyError } from '../errors';
import { dependencyError } from './errors';

/** CloudFront's limit on a `CallerReference`. */
const MAX_REFERENCE_LENGTH = 128;

/**
 * {@link CdnInvalidator} on a CloudFront distribution (`CreateInvalidation`).
 *
 * The request's `reference` is the `CallerReference`: CloudFront answers a second request
 * with the same reference and paths with the invalidation it already made, so a retried
 * delete never pays for (or waits on) a second one.
 *
 * @example
 * const cdn = new CloudFrontInvalidator(clients.cloudFront, 'E2ABCDEF123456');
 * await cdn.invalidate({ paths: ['/thumbnails/u1/img-1/*'], reference: deleteEventId });
 */
export class CloudFrontInvalidator implements CdnInvalidator {
  constructor(
    private readonly cloudFront: CloudFrontClient,
    private readonly distributionId: string,
  ) {}

  async invalidate(request: CdnInvalidationRequest): Promise<CdnInvalidationResult> {
    if (request.paths.length === 0) return {};
    if (request.paths.some((path) => !path.startsWith('/'))) {
      throw new RangeError(`CloudFront invalidation paths start with "/": ${request.paths.join(', ')}`);
    }
    if (request.reference.length === 0 || request.reference.length > MAX_REFERENCE_LENGTH) {
      throw new RangeError(`an invalidation reference has 1 to ${MAX_REFERENCE_LENGTH} characters`);
    }
    try {
      const out = await this.cloudFront.send(
        new CreateInvalidationCommand({
          DistributionId: this.distributionId,
          InvalidationBatch: {
            CallerReference: request.reference,
            Paths: { Quantity: request.paths.length, Items: [...request.paths] },
          },
        }),
      );
      const id = out.Invalidation?.Id;
      return id ? { invalidationId: id } : {};
    } catch (error) {
      // TooManyInvalidationsInProgress is a 400 that means "try again later"; throttling and 5xx are retryable as everywhere.
      if ((error as { name?: unknown } | null)?.name === 'TooManyInvalidationsInProgress') {
        throw new DependencyError('CloudFront', 'CreateInvalidation', true, { cause: error });
      }
      throw dependencyError('CloudFront', 'CreateInvalidation', error);
    }
  }
}
