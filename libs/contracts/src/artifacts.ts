import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { AnyContract } from './contract';
import { parseDetail } from './envelope';
import { exampleEnvelope } from './examples';
import { toJsonSchema } from './json-schema';

/*
 * The checked-in artifacts: `schemas/<Event>.v<N>.json` (regenerated) and
 * `examples/<Event>.v<N>/<name>.json` (written once, then the published record).
 * `scripts/write-schemas.ts` writes them; the specs compare and parse them.
 */

/**
 * `libs/contracts`, where the published artifacts live. Found from this file, so it works
 * in tests and scripts run from the sources; it is not meant for bundled Lambda code.
 */
export function contractsRoot(): string {
  // A function, not a constant: importing the library must not touch `__dirname` or
  // `node:path` (a browser bundle has neither).
  return resolve(__dirname, '..');
}
/** `libs/contracts/schemas`. */
export function schemasDir(): string {
  return join(contractsRoot(), 'schemas');
}
/** `libs/contracts/examples`. */
export function examplesDir(): string {
  return join(contractsRoot(), 'examples');
}

/** A published example: the `detail` JSON stored under `examples/<Event>.v<N>/<name>.json`. */
export interface StoredExample {
  /** The file name without `.json`. */
  readonly name: string;
  readonly file: string;
  /** The stored `detail`, unparsed. */
  readonly detail: unknown;
}

/**
 * Every stored example of a contract version, sorted by name — for contract tests:
 * feed each to a consumer, or parse each with the current schema.
 */
export function readStoredExamples(contract: Pick<AnyContract, 'id'>): StoredExample[] {
  const dir = join(examplesDir(), contract.id);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const path = join(dir, file);
      const detail = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      return { name: file.slice(0, -'.json'.length), file: path, detail };
    });
}

/** `<Event>.v<N>` names of every version that has stored examples. */
export function storedExampleVersions(): string[] {
  if (!existsSync(examplesDir())) return [];
  return readdirSync(examplesDir(), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** A stable JSON text for a checked-in file: two-space indent and a final newline. */
export function toJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Path of a contract version's JSON Schema file. */
export function schemaFilePath(contract: Pick<AnyContract, 'id'>): string {
  return join(schemasDir(), `${contract.id}.json`);
}

/** Path of a published example file. */
export function exampleFilePath(contract: Pick<AnyContract, 'id'>, name: string): string {
  return join(examplesDir(), contract.id, `${name}.json`);
}

/** The exact text `schemas/<Event>.v<N>.json` must hold. */
export function renderSchemaFile(contract: AnyContract): string {
  return toJsonFile(toJsonSchema(contract));
}

/** The text a new example file is written with: the example's whole `detail`. */
export function renderExampleFile(contract: AnyContract, name: string): string {
  return toJsonFile(exampleEnvelope(contract, name));
}

const WRITE_HINT = 'run `npm run schemas:write` and commit the result';

/** Why `schemas/<id>.json` is not what the contract generates now; `undefined` when it is. */
export function checkSchemaFile(contract: AnyContract): string | undefined {
  const path = schemaFilePath(contract);
  const show = relative(contractsRoot(), path);
  if (!existsSync(path)) return `${show} is missing: ${WRITE_HINT}`;
  if (readFileSync(path, 'utf8') !== renderSchemaFile(contract)) return `${show} is stale: ${WRITE_HINT}`;
  return undefined;
}

/** Why in-code examples are not all published yet; empty when they are. */
export function checkExamplesPublished(contract: AnyContract): string[] {
  return Object.keys(contract.examples)
    .filter((name) => !existsSync(exampleFilePath(contract, name)))
    .map((name) => `${relative(contractsRoot(), exampleFilePath(contract, name))} is not published: ${WRITE_HINT}`);
}

/**
 * Every stored example of the contract's version that its current schema refuses — each
 * one a breaking change. The fix is a new version next to this one, never an edit of it.
 */
export function checkStoredExamples(contract: AnyContract): string[] {
  return readStoredExamples(contract).flatMap((example) => {
    try {
      parseDetail(contract, example.detail);
      return [];
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return [
        `${relative(contractsRoot(), example.file)} no longer parses (${why}); ` +
          `a breaking change must become ${contract.detailType} v${contract.version + 1}, ` +
          `not an edit of v${contract.version}`,
      ];
    }
  });
}
