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
  // The metrics' single metrics (the failure count by code) and each invocation's own buffer
  // write where the shared instance writes (`createMetrics` in @imgpipe/platform).
  for (const target of targets) target.console = fileConsole;
  return async () => {
    targets.forEach((target, i) => {
      const original = previous[i];
      if (original) target.console = original;
    });
    await new Promise<void>((resolve) => stream.end(resolve));
  };
}
