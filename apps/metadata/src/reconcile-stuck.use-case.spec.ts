import { EXPRESS_EXECUTION_LIMIT_SECONDS, loadPipelineDefinition, pipelineWorstCase } from '@imgpipe/workflow';
import { ConfigError } from '@imgpipe/platform';
import { loadMetadataConfig } from './config';
import { DEFAULT_RECONCILE_AFTER_MINUTES, RECONCILE_MIN_AFTER_MINUTES } from './reconcile-stuck.use-case';

const env = {
  AWS_REGION: 'eu-west-1',
  IMAGES_TABLE: 'image-metadata',
  EVENTS_TABLE: 'image-events',
  EVENT_BUS_NAME: 'imgpipe',
  ORIGINALS_BUCKET: 'imgpipe-originals',
  PROCESSED_BUCKET: 'imgpipe-processed',
};

describe('the reconciler knob', () => {
  it('waits longer by default than any execution of the pipeline can run, and than the Express limit', () => {
    const worstCaseMinutes = pipelineWorstCase(loadPipelineDefinition()).seconds / 60;
    expect(DEFAULT_RECONCILE_AFTER_MINUTES).toBeGreaterThan(worstCaseMinutes);
    expect(RECONCILE_MIN_AFTER_MINUTES * 60).toBeGreaterThan(EXPRESS_EXECUTION_LIMIT_SECONDS);
    expect(DEFAULT_RECONCILE_AFTER_MINUTES).toBeGreaterThanOrEqual(RECONCILE_MIN_AFTER_MINUTES);
  });

  it('refuses a wait an execution could still be running in, and unbounded re-drives', () => {
    expect(() => loadMetadataConfig({ ...env, RECONCILE_AFTER_MINUTES: '5' })).toThrow(ConfigError);
    expect(() => loadMetadataConfig({ ...env, RECONCILE_MAX_REDRIVES: '6' })).toThrow(ConfigError);
    expect(loadMetadataConfig({ ...env, RECONCILE_AFTER_MINUTES: '6', RECONCILE_MAX_REDRIVES: '0' }).reconcile).toEqual({ afterMinutes: 6, maxRedrives: 0 });
  });
});
