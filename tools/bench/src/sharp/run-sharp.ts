import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { RunResult, SharpRunnerMessage, SharpRunRequest } from '../scenario';

/**
 * Runs one sharp scenario in a fresh child process (see sharp-runner.ts) with the given
 * environment, so each scenario's peak RSS is measured on its own.
 */
export function runSharp(
  request: SharpRunRequest,
  env: NodeJS.ProcessEnv,
  onProgress?: (done: number, total: number) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'sharp-runner.ts'), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: RunResult | undefined;
    let failure: string | undefined;
    child.on('message', (message: SharpRunnerMessage) => {
      if (message.type === 'progress') onProgress?.(message.done, message.total);
      else if (message.type === 'result') result = message.result;
      else failure = message.message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`sharp runner failed (${failure ?? (signal ? `signal ${signal}` : `exit ${code}`)})`));
    });
    child.send(request);
  });
}
