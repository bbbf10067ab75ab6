/**
 * EventBridge event patterns: their type, a validator and a matcher with EventBridge's
 * semantics, for the local bus (on AWS, EventBridge itself matches).
 *
 * Semantics, after the EventBridge user guide ("Content filtering in Amazon EventBridge
 * event patterns", "Arrays in event patterns") and aws/event-ruler, the engine behind it:
 * - fields of a pattern object must all match (AND); the values listed for a field are
 *   alternatives (OR); `$or: [p1, p2, ...]` at any level matches when one sub-pattern does;
 * - a leaf matches when any of the event's values there (an event array's elements) matches
 *   any of the pattern's values: exact (string, number, boolean, null), `prefix`, `suffix`
 *   (either may take `{ "equals-ignore-case": ... }`), `equals-ignore-case`, `wildcard`,
 *   `anything-but` (a value, a list, or `{ prefix | suffix | equals-ignore-case | wildcard }`),
 *   `numeric` (`=`, `<`, `<=`, `>`, `>=`, up to one lower and one upper bound), `exists`, and
 *   `cidr` (IPv4);
 * - `exists` works on leaves only: an absent field, or one holding an object, does not exist;
 *   every other operator needs the field to be there;
 * - a nested pattern object matches an event object, or any object element of an event array
 *   (array-consistent: all fields of that nested pattern match within the same element).
 */

import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

/** An operator in a pattern's value list, e.g. `{ "prefix": "uploads/" }`. */
export type PatternOperator =
  | { readonly prefix: string | { readonly 'equals-ignore-case': string } }
  | { readonly suffix: string | { readonly 'equals-ignore-case': string } }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': AnythingBut }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/** What `anything-but` may exclude. */
export type AnythingBut =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** One alternative for a leaf field. */
export type PatternValue = string | number | boolean | null | PatternOperator;

/**
 * An EventBridge event pattern: fields map to a list of alternatives or to a nested
 * pattern; `$or` holds alternative sub-patterns.
 */
export interface EventBridgePattern {
  readonly [field: string]: readonly PatternValue[] | EventBridgePattern | readonly EventBridgePattern[];
}

/** A pattern EventBridge would refuse (`PutRule` fails with "Event pattern is not valid"). */
export class InvalidEventPatternError extends ImgpipeError<'INVALID_EVENT_PATTERN'> {
  override readonly name = 'InvalidEventPatternError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super({ code: 'INVALID_EVENT_PATTERN', message: `event pattern ${path || '(root)'}: ${message}` });
  }
}

type Leaf = null | boolean | number | string;
type LeafTest = (value: Leaf) => boolean;
type ObjectTest = (event: unknown) => boolean;

interface LeafField {
  readonly field: string;
  readonly tests: readonly LeafTest[];
  /** `exists: false` alternatives match when the field has no leaf value. */
  readonly matchesAbsent: boolean;
}

/**
 * Checks a pattern and turns it into a predicate over events (parsed JSON objects).
 * Compile a rule's pattern once and call the predicate for every event.
 *
 * @throws {InvalidEventPatternError} naming the first part EventBridge would refuse.
 * @example
 * ```ts
 * const matches = compileEventPattern({ source: ['imgpipe.ingest'], 'detail-type': ['ImageUploaded'] });
 * if (matches(event)) await target(event);
 * ```
 */
export function compileEventPattern(pattern: unknown): (event: unknown) => boolean {
  if (!isObject(pattern) || Object.keys(pattern).length === 0) {
    throw new InvalidEventPatternError('', 'must be a non-empty JSON object');
  }
  return compileObject(pattern, '');
}

/** Whether `event` matches `pattern` (compiles the pattern each call; see {@link compileEventPattern}). */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function compileObject(pattern: Readonly<Record<string, unknown>>, path: string): ObjectTest {
  const tests: ObjectTest[] = [];
  for (const [field, spec] of Object.entries(pattern)) {
    const here = path ? `${path}.${field}` : field;
    if (field === '$or') {
      tests.push(compileOr(spec, here));
    } else if (Array.isArray(spec)) {
      tests.push(leafFieldTest(compileLeafField(field, spec, here)));
    } else if (isObject(spec)) {
      if (Object.keys(spec).length === 0) throw new InvalidEventPatternError(here, 'an object must not be empty');
      const nested = compileObject(spec, here);
      tests.push((event) => candidateObjects(fieldOf(event, field)).some(nested));
    } else {
      throw new InvalidEventPatternError(here, 'must be an array of values or a nested object');
    }
  }
  return (event) => tests.every((test) => test(event));
}

function compileOr(spec: unknown, path: string): ObjectTest {
  if (!Array.isArray(spec) || spec.length < 2 || !spec.every((p) => isObject(p) && Object.keys(p).length > 0)) {
    throw new InvalidEventPatternError(path, '$or must be an array of at least two non-empty objects');
  }
  const alternatives = spec.map((p: Record<string, unknown>, i) => compileObject(p, `${path}[${i}]`));
  return (event) => alternatives.some((alternative) => alternative(event));
}

function compileLeafField(field: string, values: readonly unknown[], path: string): LeafField {
  if (values.length === 0) throw new InvalidEventPatternError(path, 'must list at least one value');
  const tests: LeafTest[] = [];
  let matchesAbsent = false;
  values.forEach((value, i) => {
    const here = `${path}[${i}]`;
    if (isObject(value)) {
      const keys = Object.keys(value);
      if (keys.length !== 1) throw new InvalidEventPatternError(here, 'an operator object has exactly one key');
      if ('exists' in value) {
        if (typeof value['exists'] !== 'boolean') {
          throw new InvalidEventPatternError(here, 'exists takes true or false');
        }
        if (value['exists']) tests.push(() => true);
        else matchesAbsent = true;
        return;
      }
      tests.push(compileOperator(value, here));
    } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      const expected = value as Leaf;
      tests.push((actual) => actual === expected);
    } else {
      throw new InvalidEventPatternError(here, 'must be a string, number, boolean, null or operator object');
    }
  });
  return { field, tests, matchesAbsent };
}

function leafFieldTest(spec: LeafField): ObjectTest {
  return (event) => {
    const leaves = leavesOf(fieldOf(event, spec.field));
    if (leaves.length === 0) return spec.matchesAbsent;
    return leaves.some((leaf) => spec.tests.some((test) => test(leaf)));
  };
}

function compileOperator(operator: Readonly<Record<string, unknown>>, path: string): LeafTest {
  const [name, argument] = Object.entries(operator)[0] ?? [];
  switch (name) {
    case 'prefix':
    case 'suffix': {
      const { text, ignoreCase } = stringOrIgnoreCase(argument, `${path}.${name}`);
      const affix = ignoreCase ? fold(text) : text;
      const has = name === 'prefix' ? startsWith : endsWith;
      return (value) => typeof value === 'string' && has(ignoreCase ? fold(value) : value, affix);
    }
    case 'equals-ignore-case': {
      const text = fold(requireString(argument, `${path}.${name}`));
      return (value) => typeof value === 'string' && fold(value) === text;
    }
    case 'wildcard': {
      const regex = wildcardRegex(requireString(argument, `${path}.${name}`), `${path}.${name}`);
      return (value) => typeof value === 'string' && regex.test(value);
    }
    case 'anything-but':
      return compileAnythingBut(argument, `${path}.${name}`);
    case 'numeric':
      return compileNumeric(argument, `${path}.${name}`);
    case 'cidr':
      return compileCidr(argument, `${path}.${name}`);
    default:
      throw new InvalidEventPatternError(path, `unknown operator ${String(name)}`);
  }
}

function compileAnythingBut(argument: unknown, path: string): LeafTest {
  if (typeof argument === 'string' || typeof argument === 'number') {
    return (value) => value !== argument;
  }
  if (Array.isArray(argument)) {
    const allStrings = argument.every((v) => typeof v === 'string');
    const allNumbers = argument.every((v) => typeof v === 'number');
    if (argument.length === 0 || !(allStrings || allNumbers)) {
      throw new InvalidEventPatternError(path, 'a list must be non-empty and hold only strings or only numbers');
    }
    const excluded: ReadonlySet<unknown> = new Set<unknown>(argument);
    return (value) => !excluded.has(value);
  }
  if (isObject(argument) && Object.keys(argument).length === 1) {
    const [name, inner] = Object.entries(argument)[0] ?? [];
    const texts = stringList(inner, `${path}.${name}`);
    switch (name) {
      case 'prefix':
        return (value) => typeof value === 'string' && !texts.some((t) => value.startsWith(t));
      case 'suffix':
        return (value) => typeof value === 'string' && !texts.some((t) => value.endsWith(t));
      case 'equals-ignore-case': {
        const folded = new Set(texts.map(fold));
        return (value) => typeof value === 'string' && !folded.has(fold(value));
      }
      case 'wildcard': {
        const regexes = texts.map((t) => wildcardRegex(t, `${path}.${name}`));
        return (value) => typeof value === 'string' && !regexes.some((r) => r.test(value));
      }
    }
  }
  throw new InvalidEventPatternError(
    path,
    'takes a string, a number, a list of either, or { prefix | suffix | equals-ignore-case | wildcard }',
  );
}

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);

function compileNumeric(argument: unknown, path: string): LeafTest {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    throw new InvalidEventPatternError(path, 'takes one or two [operator, number] pairs');
  }
  const bounds: { op: string; limit: number }[] = [];
  for (let i = 0; i < argument.length; i += 2) {
    const op: unknown = argument[i];
    const limit: unknown = argument[i + 1];
    if (typeof op !== 'string' || !['=', '<', '<=', '>', '>='].includes(op)) {
      throw new InvalidEventPatternError(path, `unknown numeric operator ${JSON.stringify(op)}`);
    }
    if (typeof limit !== 'number' || !Number.isFinite(limit)) {
      throw new InvalidEventPatternError(path, `${op} needs a number`);
    }
    bounds.push({ op, limit });
  }
  if (bounds.length === 2) {
    const lowers = bounds.filter((b) => LOWER.has(b.op)).length;
    const uppers = bounds.filter((b) => UPPER.has(b.op)).length;
    if (lowers !== 1 || uppers !== 1) {
      throw new InvalidEventPatternError(path, 'a range is one lower bound (> or >=) and one upper bound (< or <=)');
    }
  }
  return (value) => typeof value === 'number' && bounds.every(({ op, limit }) => compare(value, op, limit));
}

function compare(value: number, op: string, limit: number): boolean {
  switch (op) {
    case '=':
      return value === limit;
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    default:
      return value >= limit;
  }
}

function compileCidr(argument: unknown, path: string): LeafTest {
  const match = typeof argument === 'string' ? /^([0-9.]+)\/(\d{1,2})$/.exec(argument) : null;
  const network = match ? ipv4(match[1] ?? '') : undefined;
  const bits = match ? Number(match[2]) : NaN;
  if (network === undefined || !(bits >= 0 && bits <= 32)) {
    throw new InvalidEventPatternError(path, 'takes an IPv4 CIDR block such as 10.0.0.0/24 (no IPv6 here)');
  }
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (value) => {
    const address = typeof value === 'string' ? ipv4(value) : undefined;
    return address !== undefined && (address & mask) >>> 0 === (network & mask) >>> 0;
  };
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

/**
 * `*` matches any run of characters (none included); `\*` is a literal star and `\\` a literal
 * backslash. EventBridge refuses consecutive stars and any other escape.
 */
function wildcardRegex(pattern: string, path: string): RegExp {
  let source = '';
  let previousStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*') {
      if (previousStar) throw new InvalidEventPatternError(path, 'consecutive wildcard characters are not allowed');
      source += '.*';
      previousStar = true;
      continue;
    }
    previousStar = false;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new InvalidEventPatternError(path, 'a backslash may only escape * or \\');
      }
      source += `\\${next}`;
      i++;
      continue;
    }
    source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function stringOrIgnoreCase(argument: unknown, path: string): { text: string; ignoreCase: boolean } {
  if (typeof argument === 'string') return { text: argument, ignoreCase: false };
  if (isObject(argument) && Object.keys(argument).length === 1 && typeof argument['equals-ignore-case'] === 'string') {
    return { text: argument['equals-ignore-case'], ignoreCase: true };
  }
  throw new InvalidEventPatternError(path, 'takes a string or { "equals-ignore-case": string }');
}

function requireString(argument: unknown, path: string): string {
  if (typeof argument !== 'string') throw new InvalidEventPatternError(path, 'takes a string');
  return argument;
}

function stringList(argument: unknown, path: string): string[] {
  if (typeof argument === 'string') return [argument];
  if (Array.isArray(argument) && argument.length > 0 && argument.every((v) => typeof v === 'string')) {
    return argument as string[];
  }
  throw new InvalidEventPatternError(path, 'takes a string or a non-empty list of strings');
}

function startsWith(value: string, prefix: string): boolean {
  return value.startsWith(prefix);
}

function endsWith(value: string, suffix: string): boolean {
  return value.endsWith(suffix);
}

function fold(text: string): string {
  return text.toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldOf(event: unknown, field: string): unknown {
  return isObject(event) && Object.hasOwn(event, field) ? event[field] : undefined;
}

/** The leaf values of an event field: the value itself, or an array's (nested arrays flattened). */
function leavesOf(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((item: unknown) => leavesOf(item));
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return [value as Leaf];
  return [];
}

/**
 * The objects a nested pattern is matched against: the object, or each object in an array.
 * With none, an empty object stands in, so `exists: false` below an absent parent matches.
 */
function candidateObjects(value: unknown): Record<string, unknown>[] {
  const objects = (Array.isArray(value) ? (value.flat(Infinity) as unknown[]) : [value]).filter(isObject);
  return objects.length > 0 ? objects : [{}];
}
