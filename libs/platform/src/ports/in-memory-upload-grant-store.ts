import { ConcurrencyConflictError } from '../errors';
import {
  isSameClaimedObject,
  type ClaimedObject,
  type ClaimResult,
  type UploadGrant,
  type UploadGrantStore,
} from './upload-grant-store.port';

/**
 * An {@link UploadGrantStore} in a Map, for unit tests and dry runs, with the DynamoDB
 * adapter's rules (the same spec runs against both). Grants are deep-copied in and out.
 */
export class InMemoryUploadGrantStore implements UploadGrantStore {
  private readonly grants = new Map<string, UploadGrant>();

  async put(grant: UploadGrant): Promise<void> {
    if (this.grants.has(grant.imageId)) {
      throw new ConcurrencyConflictError(`an upload grant for image ${grant.imageId} exists already`, 'upload-grant');
    }
    this.grants.set(grant.imageId, structuredClone(grant));
  }

  async forget(imageId: string): Promise<void> {
    this.grants.delete(imageId);
  }

  async get(imageId: string): Promise<UploadGrant | undefined> {
    const found = this.grants.get(imageId);
    return found ? structuredClone(found) : undefined;
  }

  async claim(imageId: string, object: ClaimedObject): Promise<ClaimResult> {
    const found = this.grants.get(imageId);
    if (!found) return { outcome: 'missing' };
    if (!found.claimed) {
      const claimed: UploadGrant = { ...found, claimed: structuredClone(object) };
      this.grants.set(imageId, claimed);
      return { outcome: 'claimed', grant: structuredClone(claimed) };
    }
    return {
      outcome: isSameClaimedObject(found.claimed, object) ? 'claimed' : 'taken',
      grant: structuredClone(found),
    };
  }
}
