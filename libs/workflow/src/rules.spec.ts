import { allContracts, exampleEnvelope, toEventBridgeEvent, type AnyContract, type EventName } from '@imgpipe/contracts';
import { compileEventPattern } from './event-pattern';
import { DEFAULT_EVENT_BUS_NAME, EVENT_BUS_NAME, eventRules, RULE_TARGETS, ruleFor, type RuleTarget } from './rules';

const ORIGINALS = 'imgpipe-originals-123456789012';
const rules = eventRules({ originalsBucketName: ORIGINALS });
const matchers = rules.map((rule) => ({ rule, matches: compileEventPattern(rule.eventPattern) }));

/** The targets whose rule matches the event. */
function targetsOf(event: unknown): RuleTarget[] {
  return matchers.filter(({ matches }) => matches(event)).map(({ rule }) => rule.target);
}

/** Which targets every imgpipe event must reach, and no others. */
const EXPECTED: Record<EventName, RuleTarget[]> = {
  ImageUploaded: ['pipeline', 'metadata'],
  ImageCompressed: ['metadata'],
  ThumbnailsGenerated: ['metadata'],
  ImageProcessed: ['notify-queue', 'metadata'],
  ImageProcessingFailed: ['notify-queue', 'metadata'],
  ImageDeleted: ['metadata'],
  ImageRestored: ['metadata'],
  ImagePurged: ['metadata'],
  // An audit record, in no image's history: on the bus (and its archive), delivered nowhere.
  UploadRefused: [],
  ImageVariantAdded: ['metadata'],
};

/** Versions routed beyond their event's {@link EXPECTED}: only v2 names the run the AVIF step adds to. */
const EXPECTED_BY_VERSION: Partial<Record<string, RuleTarget[]>> = {
  'ImageProcessed.v2': ['notify-queue', 'metadata', 'avif'],
};

/** Every example of every contract, from every source it may be published from. */
const exampleEvents = (allContracts as readonly AnyContract[]).flatMap((contract) =>
  Object.keys(contract.examples).flatMap((name) =>
    contract.sources.map((source) => ({
      label: `${contract.id}/${name} from ${source}`,
      contract,
      event: toEventBridgeEvent(contract, exampleEnvelope(contract, name), { source }),
    })),
  ),
);

/** An S3 "Object Created" event as S3 sends it to EventBridge. */
function objectCreated(overrides: { bucket?: string; key?: string; detailType?: string } = {}) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': overrides.detailType ?? 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2021-11-12T00:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${overrides.bucket ?? ORIGINALS}`],
    detail: {
      version: '0',
      bucket: { name: overrides.bucket ?? ORIGINALS },
      object: {
        key: overrides.key ?? 'uploads/user-1/img_1/a.jpg',
        size: 5,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        sequencer: '00617F08299329D189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

describe('eventRules', () => {
  it.each(exampleEvents)('routes $label to exactly its targets', ({ contract, event }) => {
    expect(targetsOf(event).sort()).toEqual([...(EXPECTED_BY_VERSION[contract.id] ?? EXPECTED[contract.detailType])].sort());
  });

  it('covers every contract with an example', () => {
    expect(new Set(exampleEvents.map((e) => e.contract.detailType))).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it('routes an original created under uploads/ in the originals bucket to ingest only', () => {
    expect(targetsOf(objectCreated())).toEqual(['ingest-on-object-created']);
  });

  it.each([
    ['a processed output (another prefix)', objectCreated({ key: 'compressed/user-1/img_1/full.webp' })],
    ['a key that only contains uploads/', objectCreated({ key: 'x/uploads/a.jpg' })],
    ['another bucket', objectCreated({ bucket: 'imgpipe-processed-123456789012' })],
    ['a deletion', objectCreated({ detailType: 'Object Deleted' })],
  ])('routes %s nowhere', (_label, event) => {
    expect(targetsOf(event)).toEqual([]);
  });

  it('does not route an event of an unknown version or from a source its contract does not name', () => {
    const uploaded = toEventBridgeEvent(allContracts[0], exampleEnvelope(allContracts[0], 'minimal'));

    expect(targetsOf({ ...uploaded, detail: { ...uploaded.detail, version: 99 } })).toEqual([]);
    // A version another event has (ImageDeleted v2): patterns match fields independently, so the
    // metadata rule lets it through (its parse refuses it), but it never starts the pipeline.
    expect(targetsOf({ ...uploaded, detail: { ...uploaded.detail, version: 2 } })).toEqual(['metadata']);
    expect(targetsOf({ ...uploaded, source: 'imgpipe.thumbnail' })).toEqual(['metadata']);
    expect(targetsOf({ ...uploaded, source: 'someone.else' })).toEqual([]);
  });

  it('puts the S3 rule on the default bus (where S3 delivers) and every other rule on the imgpipe bus', () => {
    expect(rules.map((r) => [r.target, r.eventBus])).toEqual([
      ['pipeline', EVENT_BUS_NAME],
      ['notify-queue', EVENT_BUS_NAME],
      ['ingest-on-object-created', DEFAULT_EVENT_BUS_NAME],
      ['metadata', EVENT_BUS_NAME],
      ['avif', EVENT_BUS_NAME],
    ]);
  });

  it('has one rule per target, each with a name EventBridge accepts', () => {
    expect(rules.map((r) => r.target).sort()).toEqual([...RULE_TARGETS].sort());
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
    for (const rule of rules) expect(rule.name).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
    expect(ruleFor(rules, 'pipeline').name).toBe('image-uploaded-to-pipeline');
  });

  it('takes the bucket name from its parameter and refuses an empty one', () => {
    const pattern = ruleFor(eventRules({ originalsBucketName: 'other-bucket' }), 'ingest-on-object-created').eventPattern;

    expect(pattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['other-bucket'] }, object: { key: [{ prefix: 'uploads/' }] } },
    });
    expect(() => eventRules({ originalsBucketName: '' })).toThrow(/originalsBucketName/);
  });

  it('sends ImageProcessed v2 alone to the AVIF step (v1 names no run version to add a variant to)', () => {
    expect(ruleFor(rules, 'avif')).toMatchObject({
      name: 'image-processed-to-avif',
      eventBus: EVENT_BUS_NAME,
      eventPattern: { source: ['imgpipe.metadata'], 'detail-type': ['ImageProcessed'], detail: { version: [2] } },
    });
  });

  it('gives the pipeline rule the pattern toEventPattern derives from the contract', () => {
    expect(ruleFor(rules, 'pipeline').eventPattern).toEqual({
      source: ['imgpipe.ingest'],
      'detail-type': ['ImageUploaded'],
      detail: { version: [1] },
    });
  });
});
