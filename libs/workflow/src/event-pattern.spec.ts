import { compileEventPattern, InvalidEventPatternError, matchesEventPattern } from './event-pattern';

/*
 * Patterns and events from the EventBridge user guide: "Content filtering in Amazon
 * EventBridge event patterns", "Comparison operators for use in event patterns", "Arrays in
 * event patterns", "Matching events on event field values"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html,
 * .../eb-create-pattern-operators.html), and the README of aws/event-ruler, the matching
 * engine behind them, whose sample event these patterns are written against.
 */

const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

/** The sample event with `detail` changed. */
function withDetail(detail: Record<string, unknown>, rest: Record<string, unknown> = {}) {
  return { ...ec2Event, ...rest, detail: { ...ec2Event.detail, ...detail } };
}

type Case = [label: string, pattern: unknown, event: unknown, matches: boolean];

function check(cases: Case[]) {
  it.each(cases)('%s', (_label, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
}

describe('simple and exact matching', () => {
  const pattern = {
    'detail-type': ['EC2 Instance State-change Notification'],
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
    detail: { state: ['initializing', 'running'] },
  };
  check([
    ['every listed field matches (values are alternatives)', pattern, ec2Event, true],
    ['another listed alternative matches', pattern, withDetail({ state: 'initializing' }), true],
    ['a value outside the list does not', pattern, withDetail({ state: 'stopped' }), false],
    ['one field not matching fails the whole pattern (AND)', pattern, { ...ec2Event, 'detail-type': 'Other' }, false],
    ['a missing field does not match', { detail: { 'no-such': ['x'] } }, ec2Event, false],
    ['a string does not equal the number it spells', { detail: { 'c-count': ['5'] } }, ec2Event, false],
    ['numbers compare as numbers', { detail: { 'x-limit': [3.018e2] } }, ec2Event, true],
    [
      'null matches a null value (eb-filtering-data-types)',
      { detail: { responseElements: [null] } },
      { detail: { eventVersion: '', responseElements: null } },
      true,
    ],
    ['null does not match an absent field', { detail: { responseElements: [null] } }, ec2Event, false],
    [
      'the empty string matches an empty value',
      { detail: { eventVersion: [''] } },
      { detail: { eventVersion: '', responseElements: null } },
      true,
    ],
    ['booleans match exactly', { detail: { ok: [true] } }, { detail: { ok: true } }, true],
    ['true is not "true"', { detail: { ok: [true] } }, { detail: { ok: 'true' } }, false],
  ]);
});

describe('arrays', () => {
  const resources = [
    'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
    'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
  ];
  const pattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };
  check([
    ['an event array matches when it shares a value with the pattern', pattern, { resources }, true],
    ['and not when it shares none', pattern, { resources: [resources[0]] }, false],
    ['objects in an event array are matched one by one', { employees: { firstName: ['Anna'] } }, employees, true],
    [
      'all fields of a nested pattern must match within the same array element',
      { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
      employees,
      false,
    ],
    [
      'nested arrays are flattened',
      { employees: { firstName: ['Peter'] } },
      { employees: [[{ firstName: 'John' }], [{ firstName: 'Peter' }]] },
      true,
    ],
  ]);
});

describe('prefix and suffix', () => {
  check([
    ['prefix matches the start of a string', { time: [{ prefix: '2017-10-02' }] }, ec2Event, true],
    ['prefix does not match elsewhere', { time: [{ prefix: '10-02' }] }, ec2Event, false],
    [
      'prefix by region (Auto Scaling in Europe)',
      { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
      { source: 'aws.autoscaling', region: 'eu-west-1' },
      true,
    ],
    [
      'prefix with equals-ignore-case',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      { detail: { service: 'eventbridge' } },
      true,
    ],
    ['prefix is case-sensitive without it', { detail: { service: [{ prefix: 'EventB' }] } }, { detail: { service: 'eventbridge' } }, false],
    ['suffix matches the end of a string', { source: [{ suffix: 'ec2' }] }, ec2Event, true],
    ['suffix on a file name', { FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' }, false],
    [
      'suffix with equals-ignore-case',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      { detail: { FileName: 'photo.PNG' } },
      true,
    ],
    ['prefix only works on strings', { detail: { 'c-count': [{ prefix: '5' }] } }, ec2Event, false],
  ]);
});

describe('equals-ignore-case and wildcard', () => {
  check([
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, ec2Event, true],
    [
      'equals-ignore-case on the detail-type',
      { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
      ec2Event,
      true,
    ],
    ['equals-ignore-case needs the whole value', { source: [{ 'equals-ignore-case': 'AWS' }] }, ec2Event, false],
    ['wildcard', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' }, true],
    ['* matches nothing too', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleService' }, true],
    ['wildcard is anchored', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'ASimpleQueueService' }, false],
    [
      'wildcard in an ARN',
      { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
      { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' },
      true,
    ],
    ['wildcard: a .png within dir', { FileName: [{ wildcard: 'dir/*.png' }] }, { FileName: 'dir/a/b.png' }, true],
    ['wildcard: not another folder', { FileName: [{ wildcard: 'dir/*.png' }] }, { FileName: 'other/b.png' }, false],
    ['wildcard: dots are literal', { FileName: [{ wildcard: 'dir/*.png' }] }, { FileName: 'dir/bxpng' }, false],
    ['an escaped star is literal', { name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' }, true],
    ['an escaped star matches nothing else', { name: [{ wildcard: 'a\\*b' }] }, { name: 'axb' }, false],
  ]);
});

describe('anything-but', () => {
  check([
    ['a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2Event, true],
    ['excludes that string', { detail: { state: [{ 'anything-but': 'running' }] } }, ec2Event, false],
    ['a number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, ec2Event, true],
    ['excludes that number', { detail: { 'x-limit': [{ 'anything-but': 301.8 }] } }, ec2Event, false],
    ['a list of strings', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2Event, true],
    ['excludes every listed string', { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, ec2Event, false],
    ['a list of numbers', { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, ec2Event, true],
    ['a prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ec2Event, true],
    ['excludes the prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 'initializing' }), false],
    ['a suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, { detail: { FileName: 'a.png' } }, true],
    ['excludes the suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, { detail: { FileName: 'a.txt' } }, false],
    [
      'ignoring case',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] } },
      withDetail({ state: 'INITIALIZING' }),
      false,
    ],
    [
      'a wildcard',
      { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      { detail: { FilePath: '/usr/bin/tool' } },
      true,
    ],
    [
      'excludes what the wildcard matches',
      { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      { detail: { FilePath: '/usr/lib/tool' } },
      false,
    ],
    ['needs the field to be there', { detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: {} }, false],
  ]);
});

describe('numeric', () => {
  const pattern = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };
  check([
    ['all ranges hold', pattern, ec2Event, true],
    ['an upper bound is inclusive with <=', pattern, withDetail({ 'c-count': 5 }), true],
    ['a lower bound is exclusive with >', pattern, withDetail({ 'c-count': 0 }), false],
    ['outside the range', pattern, withDetail({ 'c-count': 6 }), false],
    ['= is numeric equality', pattern, withDetail({ 'x-limit': 301.80001 }), false],
    ['only JSON numbers', pattern, withDetail({ 'd-count': '3' }), false],
    ['>= includes the bound', { n: [{ numeric: ['>=', 10] }] }, { n: 10 }, true],
  ]);
});

describe('exists', () => {
  check([
    ['exists: true on a present field', { detail: { state: [{ exists: true }] } }, ec2Event, true],
    ['exists: true on a missing field', { detail: { 'no-such': [{ exists: true }] } }, ec2Event, false],
    ['exists: false on a missing field', { detail: { 'no-such': [{ exists: false }] } }, ec2Event, true],
    ['exists: false on a present field', { detail: { state: [{ exists: false }] } }, ec2Event, false],
    [
      'exists works on leaves only: an object field does not exist',
      { detail: { 'c-count': [{ exists: false }] } },
      { detail: { state: 'initializing', 'c-count': { c1: 100 } } },
      true,
    ],
    [
      'exists: true does not match a non-leaf',
      { detail: { state: [{ exists: true }] } },
      { detail: { 'c-count': { c1: 100 } } },
      false,
    ],
    ['exists: false below an absent parent', { detail: { 'c-count': [{ exists: false }] } }, { source: 'x' }, true],
  ]);
});

describe('cidr', () => {
  check([
    ['an address in the block', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, ec2Event, true],
    ['an address outside it', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, ec2Event, false],
    ['a wide block', { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, ec2Event, true],
  ]);
});

describe('$or', () => {
  check([
    [
      'matches when one alternative does',
      {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 10] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      },
      ec2Event,
      true,
    ],
    [
      'and not when none does',
      { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { state: ['stopped'] }] } },
      ec2Event,
      false,
    ],
    [
      '"source" && ("metricName" || "namespace")',
      { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] },
      { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
      true,
    ],
    [
      'an alternative with AND inside must match whole',
      {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }],
      },
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' },
      false,
    ],
    [
      'nested $or and AND',
      {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization', 'ReadLatency'] },
          { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
          { scope: ['Service'] },
        ],
      },
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1000 },
      true,
    ],
  ]);
});

describe('the complex example', () => {
  const pattern = {
    time: [{ prefix: '2017-10-02' }],
    detail: {
      state: [{ 'anything-but': 'initializing' }],
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ 'anything-but': [100, 200, 300] }],
      'source-ip': [{ cidr: '10.0.0.0/8' }],
    },
  };
  check([
    ['matches the sample event', pattern, ec2Event, true],
    ['one condition off fails it', pattern, withDetail({ state: 'initializing' }), false],
    ['another', pattern, withDetail({}, { time: '2017-10-03T00:00:00Z' }), false],
  ]);
});

describe('invalid patterns', () => {
  it.each([
    ['not an object', ['aws.s3']],
    ['an empty pattern', {}],
    ['a bare value instead of a list', { source: 'aws.s3' }],
    ['an empty list', { source: [] }],
    ['an unknown operator', { source: [{ contains: 'x' }] }],
    ['an operator object with two keys', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['exists without a boolean', { source: [{ exists: 'yes' }] }],
    ['a numeric operator that does not exist', { n: [{ numeric: ['!=', 1] }] }],
    ['two lower bounds', { n: [{ numeric: ['>', 1, '>', 2] }] }],
    ['a numeric bound that is not a number', { n: [{ numeric: ['<', '10'] }] }],
    ['consecutive wildcards', { s: [{ wildcard: 'a**b' }] }],
    ['a backslash escaping something else', { s: [{ wildcard: 'a\\b' }] }],
    ['anything-but with a mixed list', { s: [{ 'anything-but': ['a', 1] }] }],
    ['$or with one alternative', { $or: [{ s: ['a'] }] }],
    ['a cidr that is not one', { ip: [{ cidr: '10.0.0.0/33' }] }],
  ])('refuses %s', (_label, pattern) => {
    expect(() => compileEventPattern(pattern)).toThrow(InvalidEventPatternError);
  });

  it('names where the problem is', () => {
    expect(() => compileEventPattern({ detail: { object: { key: [{ prefx: 'uploads/' }] } } })).toThrow(
      'event pattern detail.object.key[0]: unknown operator prefx',
    );
  });
});
