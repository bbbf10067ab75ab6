import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// One error base: every error class of the workspace's production code extends ImgpipeError
// (directly or through its package's base), never Error itself. Specs may throw what they like.
const ROOT = join(__dirname, '..', '..', '..');
const SOURCE_ROOTS = ['apps', 'libs', 'tools', 'infra'];
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'cdk.out', '.cache', 'coverage']);
const BASE = join('libs', 'contracts', 'src', 'imgpipe-error.ts');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('the one error base', () => {
  it('is the only class in production code that extends Error', () => {
    const files = SOURCE_ROOTS.flatMap((root) => sourceFiles(join(ROOT, root)));
    const offenders = files
      .filter((file) => relative(ROOT, file) !== BASE)
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/class\s+(\w+)(?:<[^>]*>)?\s+extends\s+(?:Error|TypeError|RangeError)\b/g)].map(
          (match) => `${relative(ROOT, file)}: ${match[1]}`,
        ),
      );

    expect(files.length).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });
});
