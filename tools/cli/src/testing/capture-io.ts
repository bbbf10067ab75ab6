import type { CliIo, OutputStream } from '../cli-io';

/** An output stream that keeps what is written (tests). */
export class CapturedStream implements OutputStream {
  text = '';
  constructor(readonly isTTY = false) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

/** A CLI io capturing stdout and stderr, with no environment (tests). */
export function captureIo(env: Record<string, string> = {}): CliIo & { readonly stdout: CapturedStream; readonly stderr: CapturedStream } {
  return { stdout: new CapturedStream(), stderr: new CapturedStream(), env };
}
