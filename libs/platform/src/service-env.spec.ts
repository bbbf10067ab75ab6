import { z } from 'zod';
import {
  declaredEnvSchema,
  EnvDeclarationMismatchError,
  requiredVariables,
  SERVICE_ENV,
  type ServiceEnv,
} from './service-env';

describe('declaredEnvSchema', () => {
  const declaration = {
    BUCKET: { source: 'resource', resource: 'originalsBucket', required: true },
    QUALITY: { source: 'knob', required: false },
  } as const satisfies ServiceEnv;

  it('returns a schema that names exactly the declared variables, required as declared', () => {
    const schema = z.object({ BUCKET: z.string(), QUALITY: z.coerce.number().default(80) });
    expect(declaredEnvSchema(declaration, schema)).toBe(schema);
  });

  it('refuses a schema whose required-ness differs from the declaration', () => {
    const schema = z.object({ BUCKET: z.string().optional(), QUALITY: z.coerce.number() });
    expect(() => declaredEnvSchema(declaration, schema)).toThrow(EnvDeclarationMismatchError);
    expect(() => declaredEnvSchema(declaration, schema)).toThrow(
      /BUCKET is optional in the schema but required by the declaration; QUALITY is required by the schema but optional in the declaration/,
    );
  });

  it('refuses a schema with a variable the declaration lacks (and the compiler does too)', () => {
    const schema = z.object({ BUCKET: z.string(), QUALITY: z.string().optional(), QUALTY: z.string().optional() });
    // @ts-expect-error QUALTY is not declared
    expect(() => declaredEnvSchema(declaration, schema)).toThrow(/QUALTY is not declared/);
  });

  it('refuses a schema that does not read a declared variable (and the compiler does too)', () => {
    const schema = z.object({ BUCKET: z.string() });
    // @ts-expect-error QUALITY is declared but not read
    expect(() => declaredEnvSchema(declaration, schema)).toThrow(/QUALITY is declared but not read/);
  });
});

describe('SERVICE_ENV', () => {
  it('requires the region (set by Lambda) and the resources every service cannot run without', () => {
    expect(requiredVariables(SERVICE_ENV.compress).sort()).toEqual(['AWS_REGION', 'ORIGINALS_BUCKET', 'PROCESSED_BUCKET']);
    expect(requiredVariables(SERVICE_ENV.notify).sort()).toEqual(['AWS_REGION', 'IDEMPOTENCY_TABLE', 'NOTIFY_TOPIC_ARN']);
  });
});
