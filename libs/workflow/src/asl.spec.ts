import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { TASK_ERROR_NAMES } from '@imgpipe/platform';
import {
  definitionVariables,
  loadPipelineDefinition,
  PIPELINE_LAMBDA_STATES,
  PIPELINE_SUBSTITUTIONS,
  PipelineDefinitionError,
  placeholderSubstitutions,
  PUBLISH_PROCESSED_STATE,
  renderPipelineDefinition,
  type PipelineSubstitutions,
} from './asl';

type State = Record<string, unknown> & { Type: string };

/** Every state of the definition, branches included, by name. */
function allStates(definition: { States: Record<string, unknown> }): Map<string, State> {
  const states = new Map<string, State>();
  for (const [name, state] of Object.entries(definition.States) as [string, State][]) {
    states.set(name, state);
    for (const branch of (state['Branches'] as { States: Record<string, unknown> }[] | undefined) ?? []) {
      for (const [n, s] of allStates(branch)) states.set(n, s);
    }
  }
  return states;
}

describe('pipeline.asl.json', () => {
  it('is a valid state machine once its variables are filled (asl-validator, paths and ARNs checked)', () => {
    const definition = renderPipelineDefinition(placeholderSubstitutions());

    const result = aslValidator(definition, { checkPaths: true, checkArn: true });

    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is valid as written too, with ${...} variables where the ARNs go (as the CDK app deploys it)', () => {
    expect(aslValidator(loadPipelineDefinition(), { checkPaths: true, checkArn: true }).errorsText('\n')).toBe('');
  });

  it('is refused by the validator when a variable is filled with something that is not an ARN (the check bites)', () => {
    const definition = renderPipelineDefinition({ ...placeholderSubstitutions(), CompressFunctionArn: 'compress' });

    expect(aslValidator(definition, { checkPaths: true, checkArn: true }).isValid).toBe(false);
  });

  it('is accepted by aws-local-stepfunctions, which validates on construction', () => {
    expect(() => new StateMachine(renderPipelineDefinition(placeholderSubstitutions()))).not.toThrow();
  });

  it('uses exactly the declared substitution variables', () => {
    expect(definitionVariables().sort()).toEqual([...PIPELINE_SUBSTITUTIONS].sort());
  });

  it('has the seed shape: Parallel[Compress, Thumbnail] -> RecordMetadata -> (unless discarded) PublishProcessed; failures -> RecordFailure -> ImageRejected (invalid) or Fail', () => {
    const definition = loadPipelineDefinition();
    const states = definition.States as Record<string, State>;

    const parallel = states[definition.StartAt];
    const branches = parallel?.['Branches'] as { StartAt: string }[];
    expect(parallel?.Type).toBe('Parallel');
    expect(branches.map((b) => b.StartAt)).toEqual(['Compress', 'Thumbnail']);
    expect(parallel?.['Next']).toBe('BranchesSucceeded');
    expect(states['BranchesSucceeded']).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.results[0].failed', IsPresent: true, Next: 'CompressFailed' },
        { Variable: '$.results[1].failed', IsPresent: true, Next: 'ThumbnailFailed' },
      ],
      Default: 'RecordMetadata',
    });
    expect(states['RecordMetadata']?.['Next']).toBe('DeletedMeanwhile');
    expect(states['DeletedMeanwhile']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.processed.discarded', IsPresent: true, Next: 'RunDiscarded' }],
      Default: 'ProcessedEvent',
    });
    expect(states['ProcessedEvent']?.['Next']).toBe(PUBLISH_PROCESSED_STATE);
    expect(states['RunDiscarded']?.Type).toBe('Succeed');
    expect(states[PUBLISH_PROCESSED_STATE]?.['End']).toBe(true);
    expect(states['RecordFailure']?.['Next']).toBe('RejectedOrBroken');
    expect(states['RejectedOrBroken']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.error.Error', StringEquals: 'InvalidImage', Next: 'ImageRejected' }],
      Default: 'PipelineFailed',
    });
    expect(states['ImageRejected']?.Type).toBe('Succeed');
    expect(states['PipelineFailed']?.Type).toBe('Fail');
    expect(states['RecordFailure']?.['Catch']).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.recordFailureError', Next: 'FailureNotRecorded' },
    ]);
    expect(states['FailureNotRecorded']).toMatchObject({ Type: 'Fail', Error: 'FailureNotRecorded' });
  });

  it('names every Task state in PIPELINE_LAMBDA_STATES or as PublishProcessed, each Lambda with its own variable', () => {
    const tasks = [...allStates(loadPipelineDefinition())].filter(([, s]) => s.Type === 'Task');

    expect(tasks.map(([name]) => name).sort()).toEqual(
      [...Object.keys(PIPELINE_LAMBDA_STATES), PUBLISH_PROCESSED_STATE].sort(),
    );
    for (const [name, state] of tasks) {
      const variable = PIPELINE_LAMBDA_STATES[name as keyof typeof PIPELINE_LAMBDA_STATES];
      expect(state['Resource']).toBe(variable ? `\${${variable}}` : 'arn:aws:states:::events:putEvents');
    }
  });

  it('never retries the non-retryable task errors, on every Task (the budget spec checks the rest of each Retry)', () => {
    const tasks = [...allStates(loadPipelineDefinition()).values()].filter((s) => s.Type === 'Task');

    for (const task of tasks) {
      const [first] = task['Retry'] as { ErrorEquals: string[]; MaxAttempts: number }[];
      expect(first?.ErrorEquals).toEqual(expect.arrayContaining([...TASK_ERROR_NAMES]));
      expect(first?.MaxAttempts).toBe(0);
    }
  });

  it('hands both branches { uploaded, correlationId } from the event (ProcessTaskInputSchema), and nothing else', () => {
    const states = loadPipelineDefinition().States as Record<string, State>;

    expect(states['ProcessImage']?.['InputPath']).toBeUndefined();
    expect(states['ProcessImage']?.['Parameters']).toEqual({ 'uploaded.$': '$.detail.data', 'correlationId.$': '$.detail.correlationId' });
  });

  it('lets no failure out of a Parallel branch: its Task catches everything into a Pass that ends the branch with its stage', () => {
    const states = loadPipelineDefinition().States as Record<string, State>;
    const branches = states['ProcessImage']?.['Branches'] as { StartAt: string; States: Record<string, State> }[];

    for (const [index, branch] of branches.entries()) {
      const task = branch.States[branch.StartAt];
      const catchers = task?.['Catch'] as { ErrorEquals: string[]; ResultPath: string; Next: string }[];
      expect(catchers).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${branch.StartAt}Caught` }]);
      const caught = branch.States[`${branch.StartAt}Caught`];
      expect(caught).toMatchObject({ Type: 'Pass', End: true, Parameters: { failed: { stage: branch.StartAt.toLowerCase(), 'error.$': '$.error' } } });
      // Two states a branch (and the thumbnail branch's early record, which catches everything
      // into a Pass that ends the branch with the thumbnails): nothing else could fail uncaught.
      const early = branch.StartAt === 'Thumbnail' ? ['RecordThumbnails', 'ThumbnailsRecordedLater'] : [];
      expect(Object.keys(branch.States).sort()).toEqual([branch.StartAt, `${branch.StartAt}Caught`, ...early].sort());
      // The Pass state after BranchesSucceeded reads this branch's result.
      expect(states[`${branch.StartAt}Failed`]).toMatchObject({
        Type: 'Pass',
        Parameters: { 'detail.$': '$.detail', 'error.$': `$.results[${index}].failed.error`, 'stage.$': `$.results[${index}].failed.stage` },
        Next: 'RecordFailure',
      });
    }
  });

  it('records the thumbnails inside their branch (RecordThumbnails), the branch ending with the Thumbnail output whether that record worked or not', () => {
    const states = loadPipelineDefinition().States as Record<string, State>;
    const branches = states['ProcessImage']?.['Branches'] as { StartAt: string; States: Record<string, State> }[];
    const thumbnail = branches[1]?.States ?? {};

    expect(thumbnail['Thumbnail']).toMatchObject({ ResultPath: '$.thumbnails', Next: 'RecordThumbnails' });
    expect(thumbnail['RecordThumbnails']).toMatchObject({
      Type: 'Task',
      Parameters: { 'uploaded.$': '$.uploaded', 'thumbnails.$': '$.thumbnails', 'correlationId.$': '$.correlationId' },
      ResultPath: null,
      OutputPath: '$.thumbnails',
      End: true,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordThumbnailsError', Next: 'ThumbnailsRecordedLater' }],
    });
    expect(thumbnail['ThumbnailsRecordedLater']).toMatchObject({ Type: 'Pass', OutputPath: '$.thumbnails', End: true });
  });

  it('routes every failure, input kept next to the error, through a stage-naming Pass state to RecordFailure', () => {
    const states = loadPipelineDefinition().States as Record<string, State>;

    for (const name of ['ProcessImage', 'RecordMetadata', PUBLISH_PROCESSED_STATE]) {
      const [catcher, ...rest] = states[name]?.['Catch'] as { ErrorEquals: string[]; ResultPath: string; Next: string }[];
      expect(rest).toEqual([]);
      expect(catcher).toMatchObject({ ErrorEquals: ['States.ALL'], ResultPath: '$.error' });
      expect(states[catcher?.Next ?? '']?.['Next']).toBe('RecordFailure');
    }
  });
});

describe('renderPipelineDefinition', () => {
  it('fills every variable', () => {
    const substitutions = placeholderSubstitutions({ eventBusName: 'bus-x' });

    const text = JSON.stringify(renderPipelineDefinition(substitutions));

    expect(text).not.toContain('${');
    expect(text).toContain(substitutions.CompressFunctionArn);
    expect(text).toContain('"EventBusName":"bus-x"');
  });

  it('throws listing every variable left unfilled', () => {
    const { CompressFunctionArn: _c, EventBusName: _e, ...partial } = placeholderSubstitutions();

    expect(() => renderPipelineDefinition({ ...partial, EventBusName: '' } as PipelineSubstitutions)).toThrow(
      new PipelineDefinitionError('pipeline.asl.json: unfilled variable(s): ${CompressFunctionArn}, ${EventBusName}'),
    );
  });

  it('throws on a variable the definition does not know', () => {
    const substitutions = { ...placeholderSubstitutions(), CompresFunctionArn: 'x' } as PipelineSubstitutions;

    expect(() => renderPipelineDefinition(substitutions)).toThrow(/unknown variable\(s\): CompresFunctionArn/);
  });

  it('inserts values as string content, so a quote cannot change the document', () => {
    const definition = renderPipelineDefinition({ ...placeholderSubstitutions(), EventBusName: 'a","Injected":"b' });
    const publish = definition.States[PUBLISH_PROCESSED_STATE] as unknown as {
      Parameters: { Entries: Record<string, unknown>[] };
    };

    expect(publish.Parameters.Entries[0]?.['EventBusName']).toBe('a","Injected":"b');
    expect(publish.Parameters.Entries[0]).not.toHaveProperty('Injected');
  });

  it('returns a fresh object every call', () => {
    expect(loadPipelineDefinition()).not.toBe(loadPipelineDefinition());
  });
});
