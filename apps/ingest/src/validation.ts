import type { z } from 'zod';
import { RequestValidationError, type FieldProblem } from './errors';

/**
 * Parses a request part with `schema`; on failure throws a {@link RequestValidationError}
 * naming each field at fault once (its first problem), in the schema's order. A problem
 * with the value as a whole is reported for `whole` (e.g. `body`).
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, whole = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = new Map<string, FieldProblem>();
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : whole;
    if (!problems.has(field)) problems.set(field, { field, problem: issue.message.replace(/^Invalid input: /, '') });
  }
  throw new RequestValidationError([...problems.values()]);
}

/** A zod `error` option: "is required" when the value is absent, else `message`. */
export function requiredOr(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message);
}
