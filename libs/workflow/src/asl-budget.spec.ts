import { loadPipelineDefinition } from './asl';
import {
  EXPRESS_EXECUTION_LIMIT_SECONDS,
  INVOKE_REFUSED_ERRORS,
  LAMBDA_SERVICE_ERRORS,
  pipelineWorstCase,
  retrierBackoffSeconds,
  taskTimeoutsSeconds,
  taskWorstCaseSeconds,
  TIMEOUT_ERRORS,
  UnboundedDefinitionError,
} from './asl-budget';

type Retrier = { ErrorEquals: string[]; MaxAttempts?: number; JitterStrategy?: string; MaxDelaySeconds?: number };
type State = { Type: string; Retry?: Retrier[]; TimeoutSeconds?: number; Branches?: { States: Record<string, State> }[] };

function tasks(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? [[name, s] as [string, State]] : []),
    ...(s.Branches ?? []).flatMap((b) => tasks(b.States)),
  ]);
}

describe('the worst case of a pipeline run, added up from pipeline.asl.json', () => {
  it('stays inside the Express 5-minute limit and the definition’s own TimeoutSeconds, every retry, backoff and timeout counted', () => {
    const definition = loadPipelineDefinition();

    const worst = pipelineWorstCase(definition);

    expect(worst.seconds).toBeLessThan(EXPRESS_EXECUTION_LIMIT_SECONDS);
    expect(worst.seconds).toBeLessThan((definition as unknown as { TimeoutSeconds: number }).TimeoutSeconds);
    // The worst path: processing succeeds at its slowest, recording too, publishing fails and the failure is recorded.
    expect(worst.path).toEqual(
      expect.arrayContaining(['ProcessImage', 'RecordMetadata', 'PublishProcessed', 'PublishFailed', 'RecordFailure']),
    );
  });

  it('costs ProcessImage at its slowest branch, its Tasks added up (a branch’s Catch Pass state adds nothing; the budget never counted on a failed branch cutting the other short)', () => {
    const definition = loadPipelineDefinition();
    const states = definition.States as unknown as Record<string, State>;
    type Branch = { StartAt: string; States: Record<string, State> };
    const branches = (states['ProcessImage'] as unknown as { Branches?: Branch[] } | undefined)?.Branches ?? [];
    const cost = (b: Branch, name: string) => taskWorstCaseSeconds(name, b.States[name] as never);
    // The thumbnail branch records its thumbnails early (RecordThumbnails, issue 13): both its Tasks count.
    const [compress, thumbnail] = branches as [Branch, Branch];
    const slowest = Math.max(cost(compress, 'Compress'), cost(thumbnail, 'Thumbnail') + cost(thumbnail, 'RecordThumbnails'));
    expect(cost(thumbnail, 'RecordThumbnails')).toBeLessThanOrEqual(10);

    const processImage = pipelineWorstCase({ StartAt: 'ProcessImage', States: { ProcessImage: { ...states['ProcessImage'], Next: undefined, Catch: undefined, End: true } } } as never);

    expect(processImage.seconds).toBe(slowest);
  });

  it('gives every Task a TimeoutSeconds', () => {
    const states = tasks(loadPipelineDefinition().States as unknown as Record<string, State>);

    expect(states.length).toBe(6);
    for (const [name, state] of states) expect([name, state.TimeoutSeconds]).toEqual([name, expect.any(Number)]);
    expect(Object.keys(taskTimeoutsSeconds(loadPipelineDefinition())).sort()).toEqual(states.map(([n]) => n).sort());
  });

  it('never retries a timeout, and retries Lambda throttling and service errors with full jitter and a cap, on every Lambda Task', () => {
    for (const [name, state] of tasks(loadPipelineDefinition().States as unknown as Record<string, State>)) {
      const retry = state.Retry ?? [];
      const first = retry[0];
      expect([name, first?.MaxAttempts]).toEqual([name, 0]);
      expect(first?.ErrorEquals).toEqual(expect.arrayContaining(['States.Timeout', 'InvalidImage', 'InvalidEvent']));
      // States.ALL (the catch-all) comes last, so nothing before it can be shadowed.
      expect(retry.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
      for (const retrier of retry.filter((r) => (r.MaxAttempts ?? 3) > 0)) {
        expect([name, retrier.JitterStrategy, typeof retrier.MaxDelaySeconds]).toEqual([name, 'FULL', 'number']);
      }
      if (name === 'PublishProcessed') continue;
      if (name === 'RecordThumbnails') {
        // Best effort (RecordMetadata records the thumbnails anyway): a refused invoke is tried
        // twice more, nothing else again, so it adds at most 10 s to the thumbnail branch.
        expect(retry.map((r) => [r.ErrorEquals.at(-1), r.MaxAttempts])).toEqual([['InvalidEvent', 0], ['Lambda.TooManyRequestsException', 2], ['States.ALL', 0]]);
        continue;
      }
      expect(first?.ErrorEquals).toEqual(expect.arrayContaining([...TIMEOUT_ERRORS]));
      const throttle = retry.find((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
      expect(throttle?.ErrorEquals).toEqual([...INVOKE_REFUSED_ERRORS]);
      expect(throttle?.MaxAttempts).toBeGreaterThanOrEqual(5);
      expect(retry.find((r) => r.ErrorEquals.includes('Lambda.Unknown'))?.ErrorEquals).toEqual([...LAMBDA_SERVICE_ERRORS]);
    }
  });
});

describe('the budget arithmetic', () => {
  it('adds every backoff at its cap', () => {
    expect(retrierBackoffSeconds({ ErrorEquals: ['x'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 8 })).toBe(
      1 + 2 + 4 + 8 + 8 + 8,
    );
    expect(retrierBackoffSeconds({ ErrorEquals: ['x'], MaxAttempts: 0 })).toBe(0);
    expect(retrierBackoffSeconds({ ErrorEquals: ['x'] })).toBe(1 + 2 + 4); // ASL defaults
  });

  it('costs a refused invoke at one second and any other attempt at the full timeout', () => {
    const state = {
      Type: 'Task',
      TimeoutSeconds: 10,
      Retry: [
        { ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 2 },
        { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 1 },
      ],
    };

    expect(taskWorstCaseSeconds('T', state)).toBe(10 + (2 * 1 + 2) + (1 * 10 + 1));
  });

  it('refuses a Task without TimeoutSeconds and a definition that loops (it could run forever)', () => {
    expect(() => taskWorstCaseSeconds('T', { Type: 'Task' })).toThrow(UnboundedDefinitionError);
    const looping = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } } };
    expect(() => pipelineWorstCase(looping as never)).toThrow(/loops/);
  });

  it('would catch the old definition: States.ALL x3 on 60 s tasks with no TimeoutSeconds', () => {
    const old = {
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'x', Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 3 }], End: true } },
    };
    expect(() => pipelineWorstCase(old as never)).toThrow(/no TimeoutSeconds/);
    const withLambdaDefault = { ...old, States: { A: { ...old.States.A, TimeoutSeconds: 60 } } };
    expect(pipelineWorstCase(withLambdaDefault as never).seconds).toBe(4 * 60 + 2 + 4 + 8);
  });
});
