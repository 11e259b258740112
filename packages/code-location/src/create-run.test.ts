import { Definitions, defineJob, defineOp, input } from '@inst/definitions';
import { DagsterRun, DagsterRunStatus, RUN_TAGS } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createReexecutionForLocation, type CreateRunForLocationJobRunOptions, type ReexecutionInstance } from './create-run';
import { inProcessCodeLocation } from './in-process-code-location';

const first = defineOp({ name: 'first' }, () => 1);
const second = defineOp({ name: 'second', ins: { value: input<number>() } }, (_ctx, { value }) => value + 1);
const job = defineJob({ name: 'two_steps', graph: (g) => void g.add(second, { value: g.add(first) }) });
const defs = new Definitions({ jobs: [job] });

/** Records the runs asked for; the step stats are given (the CLI's code test runs this against a real home). */
function recordingInstance(succeededSteps: string[]): ReexecutionInstance & { created: CreateRunForLocationJobRunOptions[] } {
  const created: CreateRunForLocationJobRunOptions[] = [];
  return {
    created,
    createRun: async (options) => {
      created.push(options);
      return new DagsterRun({ jobName: options.jobName, runId: 'child', tags: { ...options.tags } });
    },
    getRunStepStats: async () => succeededSteps.map((stepKey) => ({ stepKey, status: 'SUCCESS' })),
  };
}

const parent = new DagsterRun({
  jobName: 'two_steps',
  runId: 'parent',
  status: DagsterRunStatus.FAILURE,
  runConfig: { ops: {} },
  tags: { team: 'data', '.hidden': 'x', 'dagster/failure_reason': 'STEP_FAILURE', 'dagster/retry_number': '1', [RUN_TAGS.ROOT_RUN_ID]: 'grand' },
  rootRunId: 'grand',
  parentRunId: 'grand',
});

describe('createReexecutionForLocation', () => {
  it('from failure: only the steps that did not succeed, the parent tags less hidden and retry ones, the lineage', async () => {
    const instance = recordingInstance(['first']);
    const created = await createReexecutionForLocation(instance, inProcessCodeLocation(defs, 'local'), parent, { fromFailure: true });
    expect(created?.stepKeysToExecute).toEqual(['second']);
    expect(instance.created[0]).toMatchObject({ jobName: 'two_steps', parentRunId: 'parent', rootRunId: 'grand', stepKeysToExecute: ['second'], runConfig: { ops: {} } });
    expect(instance.created[0]!.tags).toEqual({ team: 'data', [RUN_TAGS.PARENT_RUN_ID]: 'parent', [RUN_TAGS.ROOT_RUN_ID]: 'grand', 'dagster/is_resume_retry': 'false' });
  });

  it('all steps, and nothing to do when every step succeeded', async () => {
    const all = recordingInstance(['first', 'second']);
    expect((await createReexecutionForLocation(all, inProcessCodeLocation(defs, 'local'), parent))?.stepKeysToExecute).toBeNull();
    expect(all.created[0]!.tags).not.toHaveProperty('dagster/is_resume_retry');
    expect(await createReexecutionForLocation(all, inProcessCodeLocation(defs, 'local'), parent, { fromFailure: true })).toBeNull();
    expect(all.created).toHaveLength(1);
  });
});
