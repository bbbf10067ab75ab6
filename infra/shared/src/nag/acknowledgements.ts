import { Stack, Validations } from 'aws-cdk-lib';
import { CfnManagedPolicy, CfnPolicy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
// cdk-nag renders a resource into its finding id with this function; using the same one keeps
// our acknowledgement ids byte-identical to its findings (pinned cdk-nag 3.0.2; the nag spec
// fails if this ever drifts).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';

interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Resource?: unknown;
}

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5[Resource::...]` findings for the wildcard
 * resources of the IAM policies under `scope` that `accept` approves, with `reason`.
 *
 * Why not a literal id: a resource built from another stack's bucket ARN is only known once
 * CDK has resolved cross-stack references (after construction), and cdk-nag 3 matches ids
 * exactly (no v2-style regex `appliesTo`). So the ids are computed in a construct validation,
 * which runs after references are resolved and before the validation plugins read the
 * acknowledgements. Findings `accept` rejects stay unacknowledged and fail synth.
 */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  accept: (flattenedResource: string) => boolean,
  options: { readonly reason: string },
): void {
  scope.node.addValidation({
    validate: () => {
      for (const node of scope.node.findAll()) {
        if (!(node instanceof CfnPolicy || node instanceof CfnManagedPolicy)) continue;
        const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: PolicyStatementJson[] };
        for (const statement of document.Statement ?? []) {
          if (statement.Effect !== 'Allow') continue;
          const resources = Array.isArray(statement.Resource) ? (statement.Resource as unknown[]) : [statement.Resource];
          for (const resource of resources.map(flattenCfnReference)) {
            if (resource.includes('*') && accept(resource)) {
              Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason: options.reason });
            }
          }
        }
      }
      return [];
    },
  });
}
