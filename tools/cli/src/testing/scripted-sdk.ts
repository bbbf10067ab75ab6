/**
 * An AWS SDK v3 client whose `send` answers from a script, for the AWS paths that have no
 * local peer (EventBridge replays, SQS message move tasks): each call takes the next answer,
 * and what was sent is kept, so a spec asserts the exact requests.
 */

/** A command as a client's `send` receives it. */
export type SentCommand = { readonly constructor: { readonly name: string }; readonly input: unknown };
/** The answer to one call: checks the command and returns the SDK's output for it. */
export type ScriptedAnswer = (command: SentCommand) => unknown;

export interface ScriptedClient {
  /** The answers to the next calls, in order; a call with none left fails with `unexpected <Command>`. */
  answers: ScriptedAnswer[];
  /** The commands sent, as `[command name, input]`. */
  requests(): Array<[string, unknown]>;
  readonly send: jest.SpyInstance;
  /** Puts the real `send` back. */
  restore(): void;
}

/** Scripts `send` of every instance of `client` (e.g. `SQSClient`) until `restore()`. */
export function scriptClient(client: { readonly prototype: object }): ScriptedClient {
  const scripted: ScriptedClient = {
    answers: [],
    requests: () => send.mock.calls.map(([command]) => [(command as SentCommand).constructor.name, (command as SentCommand).input]),
    get send() {
      return send;
    },
    restore: () => send.mockRestore(),
  };
  const send: jest.SpyInstance = jest
    .spyOn(client.prototype as { send: (command: SentCommand) => Promise<unknown> }, 'send')
    .mockImplementation(async (command: SentCommand) => {
      const answer = scripted.answers.shift();
      if (!answer) throw new Error(`unexpected ${command.constructor.name}`);
      return answer(command);
    });
  return scripted;
}

/** Answers a command of `type` (and fails the spec for another) with `output`. */
export const answer =
  <T>(type: new (...args: never[]) => T, output: unknown): ScriptedAnswer =>
  (command) => {
    expect(command).toBeInstanceOf(type);
    return output;
  };
