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

  it('lets the purge delete a purged image’s derivatives (compressed/ and thumbnails/ of the processed bucket), and nothing else there', () => {
    const purge = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => /PurgeDeleted/.test(id));
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy['Properties']['Roles']).includes(purge?.replace(/[0-9A-F]{8}$/, '') ?? '@none'))
      .flatMap((policy) => (policy['Properties'] as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }).PolicyDocument.Statement)
      .filter((s) => /Processed/.test(JSON.stringify(s.Resource)));
    const deletes = statements.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('s3:DeleteObject'));
    expect(deletes.map((s) => JSON.stringify(s.Resource)).join(' ')).toMatch(/compressed\/\*/);
    expect(deletes.map((s) => JSON.stringify(s.Resource)).join(' ')).toMatch(/thumbnails\/\*/);
  });
});
