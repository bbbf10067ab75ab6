/**
 * Coalesced refetching: an image's events arrive in bursts (uploaded, compressed,
 * thumbnails, processed within a second), and each says "refetch". At most one fetch per
 * key runs at a time; requests that arrive meanwhile collapse into one more fetch after
 * it, so the last answer applied is never older than the last request.
 */

export interface RefresherOptions<K, V> {
  readonly load: (key: K) => Promise<V>;
  /** Called with each loaded value, in the order of the fetches. */
  readonly apply: (key: K, value: V) => void;
  /** Called when a fetch fails (the next request tries again). */
  readonly onError?: (key: K, error: unknown) => void;
}

export interface Refresher<K> {
  /** Fetches `key` now, or once more after the fetch in flight. Resolves when settled. */
  request(key: K): Promise<void>;
  /** Keys with a fetch in flight. */
  readonly inFlight: number;
}

/**
 * @example
 * const images = createRefresher({ load: (id: string) => api.getImage(id), apply: (id, details) => render(details) });
 * live.onImage = (change) => images.request(change.imageId);
 */
export function createRefresher<K, V>(options: RefresherOptions<K, V>): Refresher<K> {
  const running = new Map<K, { again: boolean; done: Promise<void> }>();

  async function run(key: K): Promise<void> {
    for (;;) {
      try {
        options.apply(key, await options.load(key));
      } catch (error) {
        options.onError?.(key, error);
      }
      const state = running.get(key);
      if (!state?.again) break;
      state.again = false;
    }
    running.delete(key);
  }

  return {
    request(key) {
      const current = running.get(key);
      if (current) {
        current.again = true;
        return current.done;
      }
      const state = { again: false, done: Promise.resolve() };
      running.set(key, state);
      state.done = run(key);
      return state.done;
    },
    get inFlight() {
      return running.size;
    },
  };
}
