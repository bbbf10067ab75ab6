/** One request to drop cached copies of some paths from the CDN. */
export interface CdnInvalidationRequest {
  /**
   * Paths as the CDN serves them, each starting with `/`; a trailing `*` matches every path
   * under the prefix (CloudFront's wildcard), e.g. `/thumbnails/u1/img-1/*`.
   */
  readonly paths: readonly string[];
  /**
   * Names this invalidation so that a retry of the same request is recognised and not
   * made twice (CloudFront's `CallerReference`): derive it from what makes the request the
   * same, e.g. the delete's event id.
   */
  readonly reference: string;
}

export interface CdnInvalidationResult {
  /** The CDN's id of the invalidation; absent when no CDN is configured. */
  readonly invalidationId?: string;
}

/**
 * Drops cached copies of paths from the CDN in front of the processed bucket (a
 * CloudFront distribution on AWS), so removed objects stop being served at once.
 */
export interface CdnInvalidator {
  invalidate(request: CdnInvalidationRequest): Promise<CdnInvalidationResult>;
}

/**
 * For deployments without a CDN cache (the local runtime's `/cdn` reads the bucket on each
 * request): there is nothing to invalidate.
 */
export const noCdnInvalidator: CdnInvalidator = {
  invalidate: async () => ({}),
};
