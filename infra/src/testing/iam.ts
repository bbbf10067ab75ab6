import type { Template } from 'aws-cdk-lib/assertions';

/** One IAM policy statement as it appears in a synthesised template. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
  readonly Principal?: unknown;
}

/** A statement's actions, always as a list. */
export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Every Allow statement of every `AWS::IAM::Policy` in the template (optionally of one policy by logical-id prefix). */
export function allowStatements(template: Template, policyIdPrefix = ''): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(policyIdPrefix))
    .flatMap(([, policy]) =>
      ((policy['Properties'] as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement ?? []).filter(
        (s) => s.Effect === 'Allow',
      ),
    );
}

/**
 * A role's grants as readable `action -> resources` lines, leaving out what every
 * `ImgpipeFunction` has (its own log group, X-Ray): `{ 's3:GetObject': ['...Originals...Arn.../uploads/*'] }`.
 * Resources are rendered as JSON text, so cross-stack references stay recognisable.
 */
export function grantsOf(template: Template, policyIdPrefix: string): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const statement of allowStatements(template, policyIdPrefix)) {
    const resources = Array.isArray(statement.Resource) ? (statement.Resource as unknown[]) : [statement.Resource];
    for (const action of actionsOf(statement)) {
      if (action.startsWith('logs:') || action.startsWith('xray:')) continue;
      const rendered = resources.map((r) => (typeof r === 'string' ? r : JSON.stringify(r)) + (statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''));
      grants[action] = [...(grants[action] ?? []), ...rendered].sort();
    }
  }
  return grants;
}

/** DynamoDB's read actions as `grantReadData` gives them. */
export const DYNAMODB_READ = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:Query',
  'dynamodb:Scan',
] as const;

/** DynamoDB's write actions as `grantWriteData` gives them. */
export const DYNAMODB_WRITE = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/** `value`, or a test failure naming `what` when it is missing (instead of a non-null assertion). */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}
