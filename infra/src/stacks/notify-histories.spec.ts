import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';

const stacks = buildApp(testApp(), { nag: false });

describe('notify stack: the image histories', () => {
  const template = Template.fromStack(stacks.notify);

  it('gives the notify function EVENTS_TABLE, so an event of an image deleted meanwhile is not delivered', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENTS_TABLE: Match.anyValue() }) },
    });
  });

  it('may only read the histories', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy['Properties'] as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }).PolicyDocument.Statement,
    );
    const onEvents = statements.filter((s) => /ImageEvents/.test(JSON.stringify(s.Resource)));
    const actions = onEvents.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => /PutItem|UpdateItem|DeleteItem|BatchWriteItem/.test(a))).toEqual([]);
  });
});
