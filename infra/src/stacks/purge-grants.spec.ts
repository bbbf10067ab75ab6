import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';

const stacks = buildApp(testApp(), { nag: false });

describe('metadata stack: the purge and the upload grants', () => {
  const template = Template.fromStack(stacks.metadata);

  it('gives the purge GRANTS_TABLE and only DeleteItem on it, to remove a purged image’s grant (its key names the file)', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ GRANTS_TABLE: Match.anyValue() }) } },
    });
    expect(Object.keys(functions)).toHaveLength(1);
    expect(Object.keys(functions)[0]).toMatch(/PurgeDeleted/);

    const onGrants = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy['Properties'] as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }).PolicyDocument.Statement)
      .filter((s) => /UploadGrants/.test(JSON.stringify(s.Resource)));
    expect(onGrants.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))).toEqual(['dynamodb:DeleteItem']);
  });
});
