import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { grantsOf } from '../testing/iam';
import { REPORT_FINDINGS_CONTEXT, unacknowledgedFindings } from '../testing/nag-report';
import { testApp } from '../testing/test-app';
import {
  bundlingFor,
  ImgpipeFunction,
  installNativeModulesCommand,
  knobs,
  LINUX_ARM64_NPM_ENV,
  pinnedVersion,
  type ImgpipeFunctionProps,
} from '@imgpipe/infra-shared';

const props: ImgpipeFunctionProps = {
  service: 'probe',
  entry: 'apps/compress/src/handlers/compress-image.handler.ts',
  description: 'spec function',
  memorySize: 512,
  timeout: Duration.seconds(10),
  logRetention: RetentionDays.ONE_WEEK,
  logLevel: 'INFO',
};

describe('bundlingFor', () => {
  it('bundles everything (the SDK too) when no native module is needed', () => {
    const bundling = bundlingFor();
    expect(bundling.externalModules).toEqual([]);
    expect(bundling.commandHooks).toBeUndefined();
    expect(bundling.environment).toBeUndefined();
  });

  it('ships no source maps (megabytes parsed at every cold start) and keeps function names for stack traces', () => {
    for (const bundling of [bundlingFor(), bundlingFor(['sharp'])]) {
      expect(bundling).toMatchObject({ minify: true, sourceMap: false, keepNames: true });
    }
  });

  it('leaves sharp out of the bundle and installs it for linux-arm64 glibc', () => {
    const bundling = bundlingFor(['sharp']);
    expect(bundling.externalModules).toEqual(['sharp']);
    expect(bundling.environment).toEqual({ npm_config_os: 'linux', npm_config_cpu: 'arm64', npm_config_libc: 'glibc' });
    expect(bundling.environment).toEqual(LINUX_ARM64_NPM_ENV);
    const commands = bundling.commandHooks?.afterBundling('/in', '/asset/out') ?? [];
    expect(commands).toEqual([installNativeModulesCommand('/asset/out', ['sharp'])]);
  });

  it('installs the exact sharp version the workspace pins, inside the asset only', () => {
    const command = installNativeModulesCommand('/asset/out', ['sharp']);
    expect(pinnedVersion('sharp')).toMatch(/^\d+\.\d+\.\d+$/);
    expect(command).toContain(`"sharp":"${pinnedVersion('sharp')}"`);
    expect(command).toContain('cd "/asset/out"');
    expect(command).toContain('--prefix "/asset/out"');
    expect(command).toContain('--no-package-lock');
  });
});

describe('knobs', () => {
  it('drops unset knobs and stringifies the rest', () => {
    expect(knobs({ A: 'x', B: undefined, C: 80 })).toEqual({ A: 'x', C: '80' });
  });
});

describe('ImgpipeFunction bind helpers', () => {
  const app = testApp(REPORT_FINDINGS_CONTEXT);
  const data = new Stack(app, 'Data');
  const bucket = new Bucket(data, 'Bucket');
  const table = new Table(data, 'Table', { partitionKey: { name: 'id', type: AttributeType.STRING } });
  const bus = new EventBus(data, 'Bus');
  const topic = new Topic(data, 'Topic');
  const stack = new Stack(app, 'Fn');
  new ImgpipeFunction(stack, 'Scoped', props)
    .bindBucket('DATA_BUCKET', bucket, ['read', 'list'], { prefix: 'in/' })
    .bindTable('DATA_TABLE', table, 'read')
    .bindEventBus('BUS_NAME', bus)
    .bindTopic('TOPIC_ARN', topic);
  new ImgpipeFunction(stack, 'WholeBucket', props).bindBucket('DATA_BUCKET', bucket, ['write'], { prefix: '' });
  new ImgpipeFunction(stack, 'Versions', props)
    .bindBucket('DATA_BUCKET', bucket, ['read-version', 'delete-version', 'list-versions'], { prefix: 'in/' })
    .bindTableActions('DATA_TABLE', table, ['GetItem', 'UpdateItem']);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const findings = unacknowledgedFindings(app);
  const template = Template.fromStack(stack);

  it('sets each environment variable with its grant', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'spec function',
      Environment: {
        Variables: Match.objectLike({
          DATA_BUCKET: Match.anyValue(),
          DATA_TABLE: Match.anyValue(),
          BUS_NAME: Match.anyValue(),
          TOPIC_ARN: Match.anyValue(),
        }),
      },
    });
    const statements = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    for (const action of ['s3:GetObject', 's3:ListBucket', 'dynamodb:GetItem', 'events:PutEvents', 'sns:Publish']) {
      expect(statements).toContain(`"${action}"`);
    }
    expect(statements).toContain('"s3:prefix":["in/*"]');
  });

  it('grants the version actions on the prefix, lists versions under it only, and exactly the table actions named', () => {
    const versions = grantsOf(template, 'VersionsRole');
    expect(Object.keys(versions).sort()).toEqual(
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 's3:DeleteObjectVersion', 's3:GetObjectVersion', 's3:ListBucketVersions'].sort(),
    );
    for (const action of ['s3:GetObjectVersion', 's3:DeleteObjectVersion']) {
      expect(versions[action]).toEqual([expect.stringMatching(/"\/in\/\*"\]\]\}$/)]);
    }
    expect(versions['s3:ListBucketVersions']).toEqual([expect.stringMatching(/ if \{"StringLike":\{"s3:prefix":\["in\/\*"\]\}\}$/)]);
    expect(versions['dynamodb:GetItem']).toEqual([expect.stringMatching(/Table[0-9A-F]{8}Arn/)]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DATA_BUCKET: Match.anyValue(), DATA_TABLE: Match.anyValue() }) },
    });
  });

  it('acknowledges the wildcard of a prefix-scoped grant and nothing broader', () => {
    const iam5 = findings.filter((f) => f.rule.startsWith('AwsSolutions-IAM5'));
    expect(iam5).toHaveLength(1);
    expect(iam5[0]?.rule).toMatch(/\/\*\]$/);
    expect(iam5[0]?.paths).toEqual(['Fn/WholeBucketRole/DefaultPolicy/Resource']);
  });
});
