/**
 * `npm run schemas:write`: regenerates `schemas/<Event>.v<N>.json` for every contract
 * version and publishes every example not yet stored as `examples/<Event>.v<N>/<name>.json`.
 * A stored example is never overwritten: it is the record of what was published, and the
 * compatibility spec parses it with the current schema forever.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { allContracts } from '../src/index';
import { contractsRoot, exampleFilePath, renderExampleFile, renderSchemaFile, schemaFilePath, schemasDir } from '../src/artifacts';

const changes: string[] = [];
const show = (path: string) => relative(contractsRoot(), path);

mkdirSync(schemasDir(), { recursive: true });
for (const contract of allContracts) {
  const schemaPath = schemaFilePath(contract);
  const text = renderSchemaFile(contract);
  if (!existsSync(schemaPath) || readFileSync(schemaPath, 'utf8') !== text) {
    writeFileSync(schemaPath, text);
    changes.push(`wrote ${show(schemaPath)}`);
  }
  for (const name of Object.keys(contract.examples)) {
    const examplePath = exampleFilePath(contract, name);
    if (existsSync(examplePath)) continue; // published: never rewritten
    mkdirSync(dirname(examplePath), { recursive: true });
    writeFileSync(examplePath, renderExampleFile(contract, name));
    changes.push(`published ${show(examplePath)}`);
  }
}

const known = new Set(allContracts.map((c) => `${c.id}.json`));
for (const file of readdirSync(schemasDir())) {
  if (!known.has(file)) {
    console.warn(`warning: ${show(`${schemasDir()}/${basename(file)}`)} has no contract in allContracts`);
  }
}

console.log(changes.length > 0 ? changes.join('\n') : 'schemas and examples are up to date');
