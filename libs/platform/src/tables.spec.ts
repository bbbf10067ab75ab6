import { PROCESSING_INDEX, TABLES, toCreateTableInput, USER_ID_INDEX } from './tables';

describe('table definitions', () => {
  it('turns the image-metadata definition into its CreateTable request', () => {
    expect(toCreateTableInput(TABLES.imageMetadata, 'prod-images')).toEqual({
      TableName: 'prod-images',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'imageId', KeyType: 'HASH' },
        { AttributeName: 'uploadedAt', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'imageId', AttributeType: 'S' },
        { AttributeName: 'uploadedAt', AttributeType: 'S' },
        { AttributeName: 'userId', AttributeType: 'S' },
        { AttributeName: 'processingShard', AttributeType: 'N' },
        { AttributeName: 'updatedAt', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: USER_ID_INDEX,
          KeySchema: [
            { AttributeName: 'userId', KeyType: 'HASH' },
            { AttributeName: 'uploadedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: PROCESSING_INDEX,
          KeySchema: [
            { AttributeName: 'processingShard', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
    expect(TABLES.imageMetadata.timeToLiveAttribute).toBe('expiresAt');
  });

  it('declares the event store (imageId S + sequence N) and the idempotency table (id S, TTL expiration)', () => {
    expect(toCreateTableInput(TABLES.imageEvents)).toMatchObject({
      TableName: 'image-events',
      KeySchema: [
        { AttributeName: 'imageId', KeyType: 'HASH' },
        { AttributeName: 'sequence', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'imageId', AttributeType: 'S' },
        { AttributeName: 'sequence', AttributeType: 'N' },
      ],
    });
    expect(toCreateTableInput(TABLES.idempotency)).toEqual({
      TableName: 'idempotency',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    });
    expect(TABLES.idempotency.timeToLiveAttribute).toBe('expiration');
  });

  it('declares the upload grants (imageId S, TTL expiresAt)', () => {
    expect(toCreateTableInput(TABLES.uploadGrants)).toEqual({
      TableName: 'upload-grants',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'imageId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'imageId', AttributeType: 'S' }],
    });
    expect(TABLES.uploadGrants).toMatchObject({ id: 'UploadGrants', timeToLiveAttribute: 'expiresAt' });
  });

  it('refuses a definition that gives one attribute two types', () => {
    const broken = {
      id: 'Broken',
      defaultName: 'broken',
      partitionKey: { name: 'a', type: 'S' },
      globalSecondaryIndexes: [{ indexName: 'i', partitionKey: { name: 'a', type: 'N' }, projection: 'ALL' }],
    } as const;

    expect(() => toCreateTableInput(broken)).toThrow(/a is declared as S and N/);
  });
});
