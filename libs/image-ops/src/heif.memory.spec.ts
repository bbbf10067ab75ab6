import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeHeif } from './heif';
import { resolveInputPolicy } from './policy';
import { fixture } from './testing';

// A file of its own: nothing here decodes a HEIC before the baseline is read (heic-decode's own
// entry, used before, instantiated libheif on its first load and kept it for the process's life).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;

/** V8's external memory (a WebAssembly memory is counted there) once everything unreachable is collected. */
async function externalAfterCollection(): Promise<number> {
  gc();
  // A second collection after a turn: V8 settles the freed backing stores' count at the next one.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().external;
}

describe('HEIC decoding lets go of libheif once done', () => {
  const heic = fixture('photo-480x320.heic');
  const size = { width: 480, height: 320 };

  it('frees the decoder WebAssembly memory after the decode, the pixels kept', async () => {
    const before = await externalAfterCollection();

    const pixels = await decodeHeif(heic, size, resolveInputPolicy());
    const grown = (await externalAfterCollection()) - before;

    // The pixels are a copy of their own (0.6 MiB), not a view into the module's memory, which
    // starts at 16 MiB and grew to ~29 for this image: kept, it would show here.
    expect(pixels.data.length).toBe(480 * 320 * 4);
    expect(grown).toBeLessThan(4 * MiB);
  });

  it('decodes the same pixels with every new instance', async () => {
    const first = await decodeHeif(heic, size, resolveInputPolicy());
    const second = await decodeHeif(heic, size, resolveInputPolicy());

    expect(second.data.equals(first.data)).toBe(true);
  });
});
