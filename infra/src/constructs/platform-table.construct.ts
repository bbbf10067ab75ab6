import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { KeyAttribute, KeyAttributeType, TableDefinition } from '@imgpipe/platform';
import type { Construct } from 'constructs';

const ATTRIBUTE_TYPES: Record<KeyAttributeType, AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

const toAttribute = (key: KeyAttribute) => ({ name: key.name, type: ATTRIBUTE_TYPES[key.type] });

/**
 * Declares a platform table from its {@link TableDefinition} — the same data the local
 * runtime creates its tables from, so keys, indexes and TTL can never drift between the two.
 * On-demand billing, point-in-time recovery, deletion protection, retained on stack delete.
 * The physical name is left to CloudFormation (one account can hold several stages); the
 * functions get it through their environment.
 *
 * @example
 * const images = createPlatformTable(this, imageMetadataTable);
 */
export function createPlatformTable(scope: Construct, def: TableDefinition): Table {
  const table = new Table(scope, def.id, {
    partitionKey: toAttribute(def.partitionKey),
    ...(def.sortKey ? { sortKey: toAttribute(def.sortKey) } : {}),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
    encryption: TableEncryption.AWS_MANAGED,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of def.globalSecondaryIndexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: toAttribute(index.partitionKey),
      ...(index.sortKey ? { sortKey: toAttribute(index.sortKey) } : {}),
      projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
    });
  }
  return table;
}
