import { createWriteStream, mkdirSync } from 'node:fs';
import { Console } from 'node:console';
import { dirname } from 'node:path';
import { logger, metrics } from '@imgpipe/platform';

type WithConsole = { console: Console };

/**
 * Sends the shared Powertools logger's JSON lines and the metrics' EMF lines to `path`
 * (appended) instead of the terminal, so `npm start` stays readable and the logs stay
 * greppable. Powertools writes through a private `console` it builds over stdout/stderr
 * and has no option to change it, hence the swap. Returns the function that puts the
 * terminal back and closes the file.
 */
export function redirectPowertoolsOutput(path: string): () => Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'a' });
  const fileConsole = new Console({ stdout: stream, stderr: stream });
  const targets = [logger, metrics] as unknown as WithConsole[];
  const previous = targets.map((target) => target.console);
  for (const target of targets) target.console = fileConsole;
  // A single metric (the failure count by code) is a new instance with a console of its own.
  const singleMetric = metrics.singleMetric;
  metrics.singleMetric = function (this: typeof metrics) {
    const single = singleMetric.call(this);
    (single as unknown as WithConsole).console = fileConsole;
    return single;
  };
  return async () => {
    metrics.singleMetric = singleMetric;
    targets.forEach((target, i) => {
      const original = previous[i];
      if (original) target.console = original;
    });
    await new Promise<void>((resolve) => stream.end(resolve));
  };
}
