import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  ListRulesCommand,
  StartReplayCommand,
  type Rule,
} from '@aws-sdk/client-eventbridge';
import { eventRules } from '@imgpipe/workflow';
import { main } from '../main';
import { captureIo } from '../testing/capture-io';
import { answer, scriptClient, type ScriptedClient } from '../testing/scripted-sdk';
import { archiveNameOf, defaultReplayName, rulesAccepting } from './replay.aws';

/*
 * EventBridge has no local peer that replays archives, so these run against the SDK
 * client with `send` mocked, and assert the exact requests the CLI makes.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/imgpipe`;
const ARCHIVE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:archive/ImgpipeFoundationEventArchive1A2B3C`;
const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/imgpipe/${name}`;

/** The bus's rules as ListRules returns them: the workflow's (CloudFormation names them) and the archive's own. */
const workflowRules: Rule[] = eventRules({ originalsBucketName: 'originals' })
  .filter((rule) => rule.eventBus === 'imgpipe')
  .map((rule) => ({
    Name: `ImgpipePipeline-${rule.name}-X1`,
    Arn: ruleArn(`ImgpipePipeline-${rule.name}-X1`),
    EventPattern: JSON.stringify(rule.eventPattern),
    State: 'ENABLED',
    EventBusName: 'imgpipe',
  }));
const archiveRule: Rule = {
  Name: 'Events-Archive-ImgpipeFoundationEventArchive1A2B3C',
  Arn: ruleArn('Events-Archive-ImgpipeFoundationEventArchive1A2B3C'),
  EventPattern: JSON.stringify({ account: [ACCOUNT], 'replay-name': [{ exists: false }] }),
  ManagedBy: 'prod.vhs.events.aws.internal',
  State: 'ENABLED',
};

let sdk: ScriptedClient;
beforeEach(() => {
  sdk = scriptClient(EventBridgeClient);
});
afterEach(() => sdk.restore());

describe('imgpipe replay --target aws', () => {
  it('replays the window of the archive onto the bus, to the rules that accept the detail-type, and follows it to COMPLETED', async () => {
    sdk.answers = [
      answer(ListRulesCommand, { Rules: workflowRules.slice(0, 2), NextToken: 'page-2' }),
      answer(ListRulesCommand, { Rules: [...workflowRules.slice(2), archiveRule] }),
      answer(StartReplayCommand, { ReplayArn: 'arn:replay', State: 'STARTING' }),
      answer(DescribeReplayCommand, { State: 'RUNNING', EventLastReplayedTime: new Date('2025-06-01T12:30:00.000Z') }),
      answer(DescribeReplayCommand, { State: 'COMPLETED', EventLastReplayedTime: new Date('2025-06-01T13:00:00.000Z') }),
    ];
    const io = captureIo();

    const code = await main(
      [
        'replay', '--target', 'aws', '--region', REGION,
        '--archive-arn', ARCHIVE_ARN, '--bus-arn', BUS_ARN,
        '--from', '2025-06-01T12:00:00Z', '--to', '2025-06-01T13:00:00Z',
        '--detail-type', 'ImageUploaded', '--name', 'reprocess-june', '--poll-interval', '0.001',
      ],
      io,
    );

    expect(code).toBe(0);
    expect(sdk.requests()).toEqual([
      ['ListRulesCommand', { EventBusName: BUS_ARN }],
      ['ListRulesCommand', { EventBusName: BUS_ARN, NextToken: 'page-2' }],
      [
        'StartReplayCommand',
        {
          ReplayName: 'reprocess-june',
          Description: 'imgpipe replay 2025-06-01T12:00:00.000Z to 2025-06-01T13:00:00.000Z of ImageUploaded',
          EventSourceArn: ARCHIVE_ARN,
          EventStartTime: new Date('2025-06-01T12:00:00.000Z'),
          EventEndTime: new Date('2025-06-01T13:00:00.000Z'),
          Destination: {
            Arn: BUS_ARN,
            // The pipeline rule and the metadata rule take ImageUploaded; notify does not; the archive's rule is AWS's.
            FilterArns: [ruleArn('ImgpipePipeline-image-uploaded-to-pipeline-X1'), ruleArn('ImgpipePipeline-imgpipe-events-to-metadata-X1')],
          },
        },
      ],
      ['DescribeReplayCommand', { ReplayName: 'reprocess-june' }],
      ['DescribeReplayCommand', { ReplayName: 'reprocess-june' }],
    ]);
    expect(io.stdout.text).toContain('reprocess-june: COMPLETED\n');
    expect(io.stderr.text).toBe('RUNNING [##########----------] 50% (events up to 2025-06-01T12:30:00.000Z)\nCOMPLETED [####################] 100% (events up to 2025-06-01T13:00:00.000Z)\n');
  });

  it("takes the archive from the stack's outputs and the bus from the archive, replays to every rule, and exits 1 when the replay fails", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgpipe-cli-outputs-'));
    const outputs = join(dir, 'cdk-outputs.json');
    await writeFile(outputs, JSON.stringify({ ImgpipeFoundation: { EventArchiveArn: ARCHIVE_ARN, EventBusName: 'imgpipe' } }));
    sdk.answers = [
      answer(DescribeArchiveCommand, { EventSourceArn: BUS_ARN, State: 'ENABLED' }),
      answer(StartReplayCommand, { State: 'STARTING' }),
      answer(DescribeReplayCommand, { State: 'FAILED', StateReason: 'The destination bus was deleted.' }),
    ];
    const io = captureIo();

    try {
      const code = await main(
        ['replay', '--target', 'aws', '--region', REGION, '--stack', 'ImgpipeFoundation', '--outputs-file', outputs,
          '--from', '2025-06-01T00:00:00Z', '--to', '2025-06-02T00:00:00Z', '--name', 'full-day', '--poll-interval', '0.001'],
        io,
      );

      expect(code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(sdk.requests()).toEqual([
      ['DescribeArchiveCommand', { ArchiveName: 'ImgpipeFoundationEventArchive1A2B3C' }],
      [
        'StartReplayCommand',
        {
          ReplayName: 'full-day',
          Description: 'imgpipe replay 2025-06-01T00:00:00.000Z to 2025-06-02T00:00:00.000Z',
          EventSourceArn: ARCHIVE_ARN,
          EventStartTime: new Date('2025-06-01T00:00:00.000Z'),
          EventEndTime: new Date('2025-06-02T00:00:00.000Z'),
          Destination: { Arn: BUS_ARN },
        },
      ],
      ['DescribeReplayCommand', { ReplayName: 'full-day' }],
    ]);
    expect(io.stdout.text).toContain('full-day: FAILED (The destination bus was deleted.)\n');
  });

  it('sends the given rules as the filter, and with --no-wait returns once the replay started', async () => {
    sdk.answers = [answer(StartReplayCommand, { State: 'STARTING' })];
    const io = captureIo({ AWS_REGION: REGION });

    const code = await main(
      ['replay', '--target', 'aws', '--archive-arn', ARCHIVE_ARN, '--bus-arn', BUS_ARN, '--from', '2025-06-01T00:00:00Z', '--to', '2025-06-01T01:00:00Z',
        '--rule-arn', ruleArn('a'), '--rule-arn', ruleArn('b'), '--detail-type', 'ImageUploaded', '--name', 'quick', '--no-wait'],
      io,
    );

    expect(code).toBe(0);
    expect(sdk.requests()).toEqual([
      ['StartReplayCommand', expect.objectContaining({ ReplayName: 'quick', Destination: { Arn: BUS_ARN, FilterArns: [ruleArn('a'), ruleArn('b')] } })],
    ]);
    expect(io.stdout.text).toContain('quick: STARTING\n');
  });

  it('starts nothing when no rule of the bus accepts the detail-type (exit 3)', async () => {
    sdk.answers = [answer(ListRulesCommand, { Rules: [archiveRule] })];
    const io = captureIo();

    const code = await main(
      ['replay', '--target', 'aws', '--region', REGION, '--archive-arn', ARCHIVE_ARN, '--bus-arn', BUS_ARN, '--from', '-1h', '--detail-type', 'ImageTagged'],
      io,
    );

    expect(code).toBe(3);
    expect(sdk.requests().map(([name]) => name)).toEqual(['ListRulesCommand']);
    expect(io.stderr.text).toContain(`no rule on ${BUS_ARN} accepts ImageTagged`);
  });

  it("reports AWS's refusal and exits 3", async () => {
    sdk.answers = [
      () => {
        throw Object.assign(new Error('Replay reprocess-june already exists.'), { name: 'ResourceAlreadyExistsException' });
      },
    ];
    const io = captureIo();

    const code = await main(['replay', '--target', 'aws', '--region', REGION, '--archive-arn', ARCHIVE_ARN, '--bus-arn', BUS_ARN, '--from', '-1h', '--name', 'reprocess-june'], io);

    expect(code).toBe(3);
    expect(io.stderr.text).toBe('imgpipe replay: Replay reprocess-june already exists.\n');
  });

  it('refuses a command line without an archive, before calling AWS (exit 2)', async () => {
    const io = captureIo();

    expect(await main(['replay', '--target', 'aws', '--from', '-1h'], io)).toBe(2);
    expect(io.stderr.text).toContain('--target aws needs --archive-arn or --stack');
    expect(sdk.send).not.toHaveBeenCalled();
  });
});

describe('rulesAccepting', () => {
  it('keeps the rules whose pattern accepts the detail-type, and those that do not constrain it, never AWS-managed ones', () => {
    const open: Rule = { Arn: ruleArn('open'), EventPattern: JSON.stringify({ source: ['imgpipe.ingest'] }) };
    const prefixed: Rule = { Arn: ruleArn('prefix'), EventPattern: JSON.stringify({ 'detail-type': [{ prefix: 'ImageProc' }] }) };

    expect(rulesAccepting([...workflowRules, archiveRule, open, prefixed], ['ImageProcessed'])).toEqual([
      ruleArn('ImgpipePipeline-image-outcome-to-notify-X1'),
      ruleArn('ImgpipePipeline-imgpipe-events-to-metadata-X1'),
      ruleArn('ImgpipePipeline-image-processed-to-avif-X1'),
      ruleArn('open'),
      ruleArn('prefix'),
    ]);
  });
});

describe('names', () => {
  it('reads the archive name from its ARN, and refuses anything else', () => {
    expect(archiveNameOf(ARCHIVE_ARN)).toBe('ImgpipeFoundationEventArchive1A2B3C');
    expect(() => archiveNameOf(BUS_ARN)).toThrow('not an EventBridge archive ARN');
  });

  it('makes a default replay name EventBridge accepts', () => {
    const name = defaultReplayName(new Date('2025-06-01T12:34:56.789Z'));

    expect(name).toBe('imgpipe-replay-20250601T123456Z');
    expect(name).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
  });
});
