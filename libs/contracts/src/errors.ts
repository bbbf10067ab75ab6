import type { z } from 'zod';
import { ImgpipeError } from './imgpipe-error';

/** One reason an event did not fit its contract. */
export interface ContractIssue {
  /** Where, e.g. `['data', 'original', 'size']`; empty for the event as a whole. */
  readonly path: readonly (string | number)[];
  /** zod's issue code (`invalid_type`, `too_big`, ...) or `invalid_json`, `too_large`, `wrong_route`. */
  readonly code: string;
  readonly message: string;
}

const MAX_ISSUES = 100;
const MAX_ISSUES_IN_MESSAGE = 5;
const MAX_KEY_CHARS = 40;

/**
 * The one error of libs/contracts: an event (or data for one) does not fit its contract.
 * Never retryable — the same bytes fail the same way — so a handler maps it to a
 * non-retried failure (`InvalidEvent` in the state machine, a DLQ message in a queue).
 *
 * The message names every offending field path, e.g.
 * `ImageUploaded v1: data.original.size: expected number, received string`.
 * It never echoes the offending values (they may be huge or hostile).
 */
export class ContractError extends ImgpipeError<'INVALID_EVENT'> {
  override readonly name = 'ContractError';
  declare readonly retryable: false;

  constructor(
    /** The contract, as `<DetailType> v<N>`, e.g. `ImageUploaded v1`. */
    readonly contract: string,
    readonly issues: readonly ContractIssue[],
    options?: { cause?: unknown },
  ) {
    super({ code: 'INVALID_EVENT', message: formatMessage(contract, issues), retryable: false, cause: options?.cause });
  }
}

/** `['data', 'variants', 0, 'size']` -> `data.variants[0].size`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      if (/^[A-Za-z_$][\w$-]*$/.test(key) && key.length <= MAX_KEY_CHARS) out += out ? `.${key}` : key;
      else out += `[${JSON.stringify(key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}...` : key)}]`;
    }
  }
  return out || '(root)';
}

function formatMessage(contract: string, issues: readonly ContractIssue[]): string {
  const shown = issues
    .slice(0, MAX_ISSUES_IN_MESSAGE)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length - shown.length;
  return `${contract}: ${shown.join('; ')}${more > 0 ? `; (+${more} more)` : ''}`;
}

/** zod issues -> contract issues, under `prefix` (e.g. `['detail']`). */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly (string | number)[] = [],
): ContractIssue[] {
  return issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    code: issue.code,
    // zod says "Invalid input: expected number, received string"; the path already says where.
    message: issue.message.replace(/^Invalid input: /, ''),
  }));
}
