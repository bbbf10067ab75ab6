import { Template } from 'aws-cdk-lib/assertions';
import { IngestStack } from '@imgpipe/ingest-infra';
import { readInfraConfig } from '@imgpipe/infra-shared';
import { API_RATE_CLASSES, DEFAULT_API_RATE_LIMITS, TABLES } from '@imgpipe/platform';
import { buildApp } from '../app';
import { configuredCapacity } from '../capacity';
import { DeliveryStack } from './delivery.stack';
import { FoundationStack } from './foundation.stack';
import { grantsOf } from '../testing/iam';
import { testApp } from '../testing/test-app';

// Issue 12's per-user limit: the counters' table, and the one grant on it.
const stacks = buildApp(testApp(), { nag: false });

const lambdaEnv = (template: Template, description: RegExp): Record<string, unknown> => {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) =>
    description.test(String((f['Properties'] as { Description?: string }).Description)),
  );
  expect(fns).toHaveLength(1);
  return (fns[0]?.['Properties'] as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
};

/** A user at every default limit, against the stage throttle `capacity` configures. */
function oneUserAgainstTheStage(capacity: ReturnType<typeof configuredCapacity>) {
  const sustainedRps = API_RATE_CLASSES.map((c) => DEFAULT_API_RATE_LIMITS[c].requests / DEFAULT_API_RATE_LIMITS[c].windowSeconds);
  // A fixed window's edge: one window's budget at its end, the next's at the start of the next.
  const edgeBurst = API_RATE_CLASSES.reduce((sum, c) => sum + 2 * DEFAULT_API_RATE_LIMITS[c].requests, 0);
  return {
    eachClassUnderFivePercent: sustainedRps.every((rps) => rps <= 0.05 * capacity.apiRateLimit),
    edgeUnderStageBurst: edgeBurst < capacity.apiBurstLimit,
    uploadsEdgeUnderRouteBurst: 2 * DEFAULT_API_RATE_LIMITS.uploads.requests < capacity.uploadsRouteBurstLimit,
  };
}

describe('per-user rate limits', () => {
  it('keep one user a small share of the configured stage: 5% of its rate a class, under its burst at a window edge', () => {
    expect(oneUserAgainstTheStage(configuredCapacity())).toEqual({
      eachClassUnderFivePercent: true,
      edgeUnderStageBurst: true,
      uploadsEdgeUnderRouteBurst: true,
    });
    // The stage throttle issue 12 found (50 rps / burst 100): these limits would let one user take it.
    expect(
      oneUserAgainstTheStage(
        configuredCapacity({ 'imgpipe:apiRateLimit': 50, 'imgpipe:apiBurstLimit': 100, 'imgpipe:uploadsRouteRateLimit': 40, 'imgpipe:uploadsRouteBurstLimit': 100 }),
      ),
    ).toEqual({ eachClassUnderFivePercent: false, edgeUnderStageBurst: false, uploadsEdgeUnderRouteBurst: false });
  });

  it('keeps the counters in a table of their own, keyed by counter, expired by TTL', () => {
    Template.fromStack(stacks.foundation).hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: TABLES.rateLimits.partitionKey.name, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('lets the API function update the counters table and nothing else on it; no other table is updated', () => {
    const api = grantsOf(Template.fromStack(stacks.ingest), 'IngestHttpApiRole');
    const onCounters = Object.entries(api).filter(([, resources]) => resources.some((r) => /RateLimits[0-9A-F]{8}/.test(r)));

    expect(onCounters.map(([action]) => action)).toEqual(['dynamodb:UpdateItem']);
    expect(api['dynamodb:UpdateItem']).toHaveLength(1);
    expect(api['dynamodb:UpdateItem']?.[0]).toMatch(/RateLimits[0-9A-F]{8}/);
  });

  it('names the table to the API function only; the upload validator has no grant on it', () => {
    const template = Template.fromStack(stacks.ingest);
    expect(JSON.stringify(lambdaEnv(template, /upload API/)['RATE_LIMITS_TABLE'])).toMatch(/"OutputName":"PublishOutputRefRateLimits[0-9A-F]{8}/);
    expect(lambdaEnv(template, /checks an uploaded original/)).not.toHaveProperty('RATE_LIMITS_TABLE');
    const validator = grantsOf(template, 'IngestOnObjectCreatedRole');
    expect(Object.values(validator).flat().filter((r) => /RateLimits/.test(r))).toEqual([]);
  });

  it('leaves the limits to the service defaults unless the construct sets them', () => {
    expect(lambdaEnv(Template.fromStack(stacks.ingest), /upload API/)).not.toHaveProperty('RATE_LIMIT_UPLOADS');

    const app = testApp();
    const config = readInfraConfig(app.node);
    const foundation = new FoundationStack(app, 'F', { config });
    const delivery = new DeliveryStack(app, 'D', { processed: foundation.resources.buckets.processed });
    const ingest = new IngestStack(app, 'I', {
      config,
      foundation: foundation.resources,
      distribution: delivery.distribution,
      settings: { rateLimits: { uploads: '10/60s', reads: 'off' } },
    });

    const env = lambdaEnv(Template.fromStack(ingest), /upload API/);
    expect(env).toMatchObject({ RATE_LIMIT_UPLOADS: '10/60s', RATE_LIMIT_READS: 'off' });
    expect(env).not.toHaveProperty('RATE_LIMIT_CHANGES');
  });
});
