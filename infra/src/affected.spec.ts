import { DEPLOY_UNITS } from './deploy-units';
import { REPO_ROOT } from '@imgpipe/infra-shared';
import { ScratchRepo } from './testing/scratch-repo';

/**
 * `npx nx affected -t deploy` on real commits: each case commits a one-line change on a
 * branch of a scratch copy of the workspace and asks Nx which projects with a `deploy`
 * target it affects. Every Nx run computes the project graph (1-5 s), hence the timeouts.
 */
const NX_TIMEOUT_MS = 180_000;

const EVERY_UNIT = Object.keys(DEPLOY_UNITS).sort();

const CASES: ReadonlyArray<{ readonly change: string; readonly file: string; readonly line: string; readonly deploys: string[] }> = [
  // A service's code is in its bundle only.
  { change: 'apps/compress', file: 'apps/compress/src/index.ts', line: '// affected-test', deploys: ['compress'] },
  { change: 'apps/ingest', file: 'apps/ingest/src/index.ts', line: '// affected-test', deploys: ['ingest'] },
  // The UI is deployed by Delivery.
  { change: 'apps/web', file: 'apps/web/src/index.ts', line: '// affected-test', deploys: ['web'] },
  // Every service, the pipeline, infra and the UI read the event contracts.
  { change: 'libs/contracts', file: 'libs/contracts/src/index.ts', line: '// affected-test', deploys: EVERY_UNIT },
  // Every service and infra use the platform; web deploys Delivery, which infra's code builds.
  { change: 'libs/platform', file: 'libs/platform/src/index.ts', line: '// affected-test', deploys: EVERY_UNIT },
  // The state machine and rules are the pipeline's; infra builds the Pipeline stack from this
  // library (so its stacks are synthesised and found unchanged), and ingest's router reads
  // the API routes from it (its bundle does not change with the ASL); compress, thumbnail and
  // metadata parse their task input with its schemas (task-io); web (Delivery) depends on infra.
  {
    change: 'libs/workflow',
    file: 'libs/workflow/pipeline.asl.json',
    line: ' ',
    deploys: ['compress', 'infra', 'ingest', 'metadata', 'pipeline', 'thumbnail', 'web'],
  },
  // sharp's services, and web, whose upload-limits spec checks the UI's limits against image-ops'
  // (Nx counts a spec's import as a dependency; Delivery's template does not change).
  { change: 'libs/image-ops', file: 'libs/image-ops/src/index.ts', line: '// affected-test', deploys: ['compress', 'ingest', 'thumbnail', 'web'] },
  // infra's own stacks, and the pipeline and Delivery (web), which are built by infra's code.
  { change: 'infra', file: 'infra/src/stacks/foundation.stack.ts', line: '// affected-test', deploys: ['infra', 'pipeline', 'web'] },
  // A service's construct and stack deploy that service (its app depends on compress-infra),
  // and infra, the pipeline and Delivery (web), which infra builds with compress's formats; no other service.
  {
    change: 'infra/services/compress',
    file: 'infra/services/compress/src/compress.construct.ts',
    line: '// affected-test',
    deploys: ['compress', 'infra', 'pipeline', 'web'],
  },
  // Every stack is built from infra-shared (here the Lambda defaults).
  { change: 'infra/shared', file: 'infra/shared/src/lambda/default-lambda-props.ts', line: '// affected-test', deploys: EVERY_UNIT },
  // infra/cdk.json's context (stage, log level, retention, capacity knobs) is read by every
  // stack: the deploy-targets plugin makes it an input of every unit's synth and deploy targets.
  { change: 'infra/cdk.json', file: 'infra/cdk.json', line: ' ', deploys: EVERY_UNIT },
  { change: 'the README', file: 'README.md', line: 'affected-test', deploys: [] },
];

describe('npx nx affected -t deploy', () => {
  let repo: ScratchRepo;

  beforeAll(() => {
    repo = ScratchRepo.fromWorkspace(REPO_ROOT);
  }, NX_TIMEOUT_MS);

  afterAll(() => repo?.remove());

  it(
    'deploys nothing when nothing changed',
    () => {
      expect(repo.affectedProjects('deploy')).toEqual([]);
    },
    NX_TIMEOUT_MS,
  );

  it.each(CASES.map((c, i) => ({ ...c, branch: `case-${i}` })))(
    'a change in $change deploys $deploys',
    ({ branch, file, line, deploys }) => {
      repo.commitOnBranch(branch, { [file]: line });
      expect(repo.affectedProjects('deploy')).toEqual([...deploys].sort());
    },
    NX_TIMEOUT_MS,
  );
});
