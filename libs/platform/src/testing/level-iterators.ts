import { createRequire } from 'node:module';

/** The part of abstract-level's exports this shim touches. */
interface AbstractLevelExports {
  readonly AbstractIterator: { readonly prototype: object };
  readonly AbstractKeyIterator: { readonly prototype: object };
  readonly AbstractValueIterator: { readonly prototype: object };
}

/** An abstract-level iterator, as far as `return()` needs it. */
interface ClosableIterator {
  close(): Promise<void>;
}

let patched = false;

/**
 * Makes dynalite close the LevelDB iterators it reads with: call before dynalite serves.
 *
 * dynalite 4.0.0 reads its tables (`Query`, `Scan`, `GetItem` of an index, table deletes) through
 * streams over `level` 10 iterators, and lets each go with `iterator.return()`, the async-iterator
 * protocol's way, which abstract-level 3's iterators do not have (theirs is `close()`; reaching the
 * end does not close them either). So none was ever closed: each stayed in its database's set of
 * open resources, with its read-ahead cache (the items it had read) and a native LevelDB iterator
 * (which pins the memtable and table files it started on), for the life of the process. In the
 * local runtime that was ~27 iterators an image, and the V8 heap grew ~0.14 MiB an image
 * (tools/local/README.md, "Memory").
 *
 * Hand-written shim, because no dynalite release closes them: abstract-level's iterators get a
 * `return()` that closes the iterator (what `for await` would do) and ends it as the protocol says.
 * abstract-level is found from dynalite's own dependencies (`level` -> `classic-level` on disk,
 * `memory-level` in memory), so the class patched is the one dynalite's databases use. Idempotent;
 * a method the iterators already have is left alone.
 */
export function closeDynaliteIteratorsOnReturn(): void {
  if (patched) return;
  patched = true;
  const fromDynalite = createRequire(createRequire(__filename).resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const bases = [
    createRequire(fromLevel.resolve('classic-level'))('abstract-level') as AbstractLevelExports,
    createRequire(fromDynalite.resolve('memory-level'))('abstract-level') as AbstractLevelExports,
  ];
  const prototypes = new Set<object>();
  for (const base of bases) {
    for (const iterator of [base.AbstractIterator, base.AbstractKeyIterator, base.AbstractValueIterator]) {
      // The class the three share (abstract-level's CommonIterator), where `close()` is defined.
      prototypes.add(Object.getPrototypeOf(iterator.prototype) as object);
    }
  }
  for (const prototype of prototypes) {
    if ('return' in prototype) continue;
    Object.defineProperty(prototype, 'return', {
      configurable: true,
      writable: true,
      enumerable: false,
      value: async function (this: ClosableIterator): Promise<IteratorReturnResult<undefined>> {
        await this.close();
        return { done: true, value: undefined };
      },
    });
  }
}
