import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyConflictError } from '../errors';
import {
  isSameClaimedObject,
  type ClaimedObject,
  type ClaimResult,
  type UploadGrant,
  type UploadGrantStore,
} from '../ports/upload-grant-store.port';
import { uploadGrantsTable } from '../tables';
import { dependencyError } from './errors';

const PK = uploadGrantsTable.partitionKey.name;

const isConditionFailure = (error: unknown) =>
  typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConditionalCheckFailedException';

/**
 * {@link UploadGrantStore} on the `upload-grants` table (document client). `put` is
 * conditional on the image id being new; `claim` sets `claimed` only where the grant exists
 * and has none, so of two objects racing for one grant exactly one wins.
 */
export class DynamoUploadGrantStore implements UploadGrantStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(grant: UploadGrant): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...grant },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrencyConflictError(`an upload grant for image ${grant.imageId} exists already`, 'upload-grant', {
          cause: error,
        });
      }
      throw dependencyError('DynamoDB', 'PutItem', error);
    }
  }

  async get(imageId: string): Promise<UploadGrant | undefined> {
    try {
      const out = await this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { [PK]: imageId }, ConsistentRead: true }),
      );
      return out.Item as UploadGrant | undefined;
    } catch (error) {
      throw dependencyError('DynamoDB', 'GetItem', error);
    }
  }

  async forget(imageId: string): Promise<void> {
    try {
      await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { [PK]: imageId } }));
    } catch (error) {
      throw dependencyError('DynamoDB', 'DeleteItem', error);
    }
  }

  async claim(imageId: string, object: ClaimedObject): Promise<ClaimResult> {
    try {
      const out = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: imageId },
          UpdateExpression: 'SET #claimed = :claimed',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#claimed)',
          ExpressionAttributeNames: { '#pk': PK, '#claimed': 'claimed' },
          ExpressionAttributeValues: { ':claimed': { ...object } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'claimed', grant: out.Attributes as UploadGrant };
    } catch (error) {
      if (!isConditionFailure(error)) throw dependencyError('DynamoDB', 'UpdateItem', error);
    }
    // The condition failed: no grant, or one already claimed (by this object or another).
    const grant = await this.get(imageId);
    if (!grant) return { outcome: 'missing' };
    if (!grant.claimed) throw new ConcurrencyConflictError(`upload grant ${imageId} changed while it was claimed`, 'upload-grant');
    return { outcome: isSameClaimedObject(grant.claimed, object) ? 'claimed' : 'taken', grant };
  }
}
