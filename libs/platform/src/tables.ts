import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A DynamoDB scalar key type. */
export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** `ALL` copies every attribute into the index. */
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

/**
 * A table as data: read by the CDK app (to declare it) and by the local runtime and tests
 * (to create it on the local DynamoDB server), so both sides always agree.
 */
export interface TableDefinition {
  /** Stable logical name (CDK construct id, config key). */
  readonly id: string;
  /** The physical name used when none is configured. */
  readonly defaultName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndexDefinition[];
  /** Epoch-seconds attribute DynamoDB expires items on (set by the CDK; local servers ignore it). */
  readonly timeToLiveAttribute?: string;
}

/** The read model's index of one user's images by upload time. */
export const USER_ID_INDEX = 'user-id-index';

/**
 * The read model's sparse index of images still `processing`, by the time of their last
 * event (`updatedAt`): the reconciler's work list is a Query, never a Scan. Only a record in
 * `processing` carries the partition key (`processingShard`, written by the DynamoDB read
 * model's `put`), so a processed, failed or deleted image is not in the index at all.
 */
export const PROCESSING_INDEX = 'processing-since-index';

/**
 * How many partitions {@link PROCESSING_INDEX} spreads the in-flight images over (by a hash of
 * the image id): a burst of 1,000 uploads writes each image into and out of the index within
 * seconds, more than one index partition's 1,000 writes a second; the reconciler queries each.
 */
export const PROCESSING_INDEX_SHARDS = 8;

/** {@link PROCESSING_INDEX}'s partition key: the shard (0 to {@link PROCESSING_INDEX_SHARDS} - 1), set only while `processing`. */
export const PROCESSING_SHARD_ATTRIBUTE = 'processingShard';

/**
 * The read model (the seed's `image-metadata` table): one item per image, keyed by image id
 * and upload time, listed per user through {@link USER_ID_INDEX}.
 */
export const imageMetadataTable = {
  id: 'ImageMetadata',
  defaultName: 'image-metadata',
  partitionKey: { name: 'imageId', type: 'S' },
  sortKey: { name: 'uploadedAt', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: USER_ID_INDEX,
      partitionKey: { name: 'userId', type: 'S' },
      sortKey: { name: 'uploadedAt', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: PROCESSING_INDEX,
      partitionKey: { name: PROCESSING_SHARD_ATTRIBUTE, type: 'N' },
      sortKey: { name: 'updatedAt', type: 'S' },
      // The reconciler reads each candidate's history anyway: the keys are all it needs.
      projection: 'KEYS_ONLY',
    },
  ],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/** The event store: every event of every image, keyed by image id and a 1-based sequence. */
export const imageEventsTable = {
  id: 'ImageEvents',
  defaultName: 'image-events',
  partitionKey: { name: 'imageId', type: 'S' },
  sortKey: { name: 'sequence', type: 'N' },
} as const satisfies TableDefinition;

/** Powertools idempotency records (its `DynamoDBPersistenceLayer` defaults: `id`, `expiration`). */
export const idempotencyTable = {
  id: 'Idempotency',
  defaultName: 'idempotency',
  partitionKey: { name: 'id', type: 'S' },
  timeToLiveAttribute: 'expiration',
} as const satisfies TableDefinition;

/**
 * Upload grants written at presign time (`UploadGrantStore`): who may upload which key, and
 * the one object that used each grant. Expired by DynamoDB a day after the grant lapses.
 */
export const uploadGrantsTable = {
  id: 'UploadGrants',
  defaultName: 'upload-grants',
  partitionKey: { name: 'imageId', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/**
 * The API's per-user request counters (`RateLimiter`): one item per request class, user and
 * fixed window, counted by one conditional `UpdateItem`; expired by DynamoDB an hour after
 * its window. Its own table, so the API function's only `UpdateItem` grant is on counters.
 */
export const rateLimitsTable = {
  id: 'RateLimits',
  defaultName: 'rate-limits',
  partitionKey: { name: 'counterKey', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/** Every table of the platform. */
export const TABLES = {
  imageMetadata: imageMetadataTable,
  imageEvents: imageEventsTable,
  idempotency: idempotencyTable,
  uploadGrants: uploadGrantsTable,
  rateLimits: rateLimitsTable,
} as const satisfies Record<string, TableDefinition>;

/** The `CreateTable` request (on-demand billing) that builds `def` under `tableName`. */
export function toCreateTableInput(def: TableDefinition, tableName: string = def.defaultName): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttributeType>();
  const keySchema = (partition: KeyAttribute, sort?: KeyAttribute) => {
    for (const attribute of sort ? [partition, sort] : [partition]) {
      const known = attributes.get(attribute.name);
      if (known && known !== attribute.type) {
        throw new Error(`table ${def.id}: attribute ${attribute.name} is declared as ${known} and ${attribute.type}`);
      }
      attributes.set(attribute.name, attribute.type);
    }
    return [
      { AttributeName: partition.name, KeyType: 'HASH' as const },
      ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' as const }] : []),
    ];
  };

  const KeySchema = keySchema(def.partitionKey, def.sortKey);
  const indexes = (def.globalSecondaryIndexes ?? []).map((index) => ({
    IndexName: index.indexName,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: index.projection },
  }));

  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
  };
}
