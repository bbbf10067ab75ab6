import { Template } from 'aws-cdk-lib/assertions';
import { SHARP_ALLOCATOR_ENV } from '@imgpipe/infra-shared';
import { requiredVariables, SERVICE_ENV, type ServiceName } from '@imgpipe/platform';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';

/**
 * Every imgpipe function's environment against its service's declaration (`SERVICE_ENV`, the
 * one the service's `config.ts` schema is checked against): each variable the config requires
 * and Lambda does not set itself is in the template, and nothing undeclared is.
 */
const stacks = buildApp(testApp(), { nag: false });

/** Set by `ImgpipeFunction` for Powertools, Node and glibc (sharp's functions), read by no config. */
const RUNTIME_VARIABLES = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
  ...Object.keys(SHARP_ALLOCATOR_ENV),
];

interface ImgpipeLambda {
  readonly id: string;
  readonly service: ServiceName;
  readonly variables: readonly string[];
}

function imgpipeFunctions(): ImgpipeLambda[] {
  return Object.values(stacks).flatMap((stack) =>
    Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function')).flatMap(([id, resource]) => {
      const variables = (resource['Properties'] as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {};
      const service = variables['POWERTOOLS_SERVICE_NAME'];
      // CDK's own helpers (bucket deployment, log retention) are not imgpipe functions.
      if (typeof service !== 'string') return [];
      return [{ id: `${stack.stackName}/${id}`, service: service as ServiceName, variables: Object.keys(variables) }];
    }),
  );
}

const functions = imgpipeFunctions();

it('finds the functions of every service', () => {
  expect(new Set(functions.map((f) => f.service))).toEqual(new Set(Object.keys(SERVICE_ENV)));
  expect(functions.length).toBeGreaterThanOrEqual(10);
});

describe.each(functions)('$id ($service)', ({ service, variables }) => {
  const declaration = SERVICE_ENV[service];

  it('belongs to a service with an environment declaration', () => {
    expect(declaration).toBeDefined();
  });

  it('sets every variable its config requires (but those Lambda sets itself)', () => {
    const required = requiredVariables(declaration).filter((name) => declaration[name as keyof typeof declaration].source !== 'lambda');
    expect(required.filter((name) => !variables.includes(name))).toEqual([]);
  });

  it('sets no variable its config does not declare, and none Lambda or the local runtime owns', () => {
    const settable = new Set(
      Object.entries(declaration).flatMap(([name, v]) => (v.source === 'resource' || v.source === 'knob' ? [name] : [])),
    );
    expect(variables.filter((name) => !settable.has(name) && !RUNTIME_VARIABLES.includes(name))).toEqual([]);
  });
});
