import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARP_ALLOCATOR_ENV, SHARP_RUNTIME_NODE_FLAGS, type SharpAllocatorVariable } from './runtime-env';

const ROOT_PACKAGE = join(__dirname, '..', '..', '..', 'package.json');

/** The root package.json scripts that start a Node process which may run sharp in-process. */
const SHARP_SCRIPTS = ['start', 'imgpipe'] as const;

/** `NAME=${NAME:-value}` assignments at the head of a script, before the command. */
function leadingAssignments(script: string): Map<string, string> {
  const assignments = new Map<string, string>();
  for (const word of script.trim().split(/\s+/)) {
    const match = /^([A-Z_][A-Z0-9_]*)=\$\{\1:-([^}]*)\}$/.exec(word);
    if (!match) break;
    assignments.set(match[1] as string, match[2] as string);
  }
  return assignments;
}

describe('SHARP_ALLOCATOR_ENV', () => {
  const scripts = (JSON.parse(readFileSync(ROOT_PACKAGE, 'utf8')) as { scripts: Record<string, string> }).scripts;

  it.each(SHARP_SCRIPTS)('is what the root package.json\'s "%s" script sets before Node starts (a value already set wins)', (name) => {
    const script = scripts[name] ?? '';
    const assignments = leadingAssignments(script);

    for (const variable of Object.keys(SHARP_ALLOCATOR_ENV) as SharpAllocatorVariable[]) {
      expect({ variable, value: assignments.get(variable) }).toEqual({ variable, value: SHARP_ALLOCATOR_ENV[variable] });
    }
    expect(script).toMatch(/\bexec (node|tsx) /);
  });

  it('is started the same way by both scripts: a collector exposed (releaseFreedMemory\'s collectGarbage) and a small V8 young generation', () => {
    const nodeFlags = (name: string) => /\bexec node ((?:--[a-z-]+(?:=\S+)? )*)--import tsx /.exec(scripts[name] ?? '')?.[1]?.trim();

    expect(nodeFlags('start')).toBe(SHARP_RUNTIME_NODE_FLAGS.join(' '));
    expect(nodeFlags('imgpipe')).toBe(nodeFlags('start'));
  });

  it('reads only the leading assignments of a script', () => {
    expect([...leadingAssignments('A_B=${A_B:-2} C=${C:-x} exec node main.ts D=${D:-1}')]).toEqual([
      ['A_B', '2'],
      ['C', 'x'],
    ]);
    expect(leadingAssignments('MALLOC_ARENA_MAX=2 exec node main.ts').size).toBe(0);
  });
});
