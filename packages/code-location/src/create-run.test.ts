import { Definitions, defineJob, defineOp, input } from '@inst/definitions';
import { InvalidArgumentError } from '@inst/errors';
import { InvalidSubsetError, ReexecutionStrategy, type CreateReexecutedRunOptions } from '@inst/runs';
import { DagsterRun, DagsterRunStatus } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createReexecutionForLocation, type ReexecutionInstance } from './create-run';
import { inProcessCodeLocation } from './in-process-code-location';

const first = defineOp({ name: 'first' }, () => 1);
const second = defineOp({ name: 'second', ins: { value: input<number>() } }, (_ctx, { value }) => value + 1);
const job = defineJob({ name: 'two_steps', graph: (g) => void g.add(second, { value: g.add(first) }) });
const defs = new Definitions({ jobs: [job] });
const location = inProcessCodeLocation(defs, 'local');

/*
 * What the location gives `createReexecutedRun` (the steps and tags it decides are @inst/runs' and are tested there;
 * the CLI's code test runs the whole path on a real home, through a code server).
 */
function recordingInstance(result: (options: CreateReexecutedRunOptions) => Promise<DagsterRun>): ReexecutionInstance & { asked: CreateReexecutedRunOptions[] } {
  const asked: CreateReexecutedRunOptions[] = [];
  return {
    asked,
    createReexecutedRun: async (options) => {
      asked.push(options);
      return result(options);
    },
  };
}

const parent = new DagsterRun({ jobName: 'two_steps', runId: 'parent', status: DagsterRunStatus.FAILURE, runConfig: { ops: {} }, tags: { team: 'data' } });

describe('createReexecutionForLocation', () => {
  it("asks for Dagster's re-execution of the parent with the location's job, origins and plans", async () => {
    const child = new DagsterRun({ jobName: 'two_steps', runId: 'child', stepKeysToExecute: ['second'] });
    const instance = recordingInstance(async () => child);
    const created = await createReexecutionForLocation(instance, location, parent, { fromFailure: true });
    expect(created).toEqual({ run: child, stepKeysToExecute: ['second'] });
    const options = instance.asked[0]!;
    expect(options).toMatchObject({ parentRun: parent, strategy: ReexecutionStrategy.FROM_FAILURE, useParentRunTags: true });
    const snapshot = await location.snapshot();
    expect(options.remoteJob.jobSnapshot).toBe(snapshot.jobs.find((j) => j.name === 'two_steps')!.jobSnapshot);
    expect(options.remoteJob.remoteOrigin?.jobName).toBe('two_steps');
    // The plan comes from the location, restricted to the steps the runs domain chose.
    const plan = await options.codeLocation.getExecutionPlan(options.remoteJob, { ops: {} }, { stepKeysToExecute: ['second'], knownState: null });
    expect(plan.stepKeysToExecute).toEqual(['second']);
    expect(plan.steps.map((s) => s.key).sort()).toEqual(['first', 'second']);

    await createReexecutionForLocation(instance, location, parent);
    expect(instance.asked[1]!.strategy).toBe(ReexecutionStrategy.ALL_STEPS);
  });

  it('is null when nothing needs retrying; other errors and unknown jobs are thrown', async () => {
    const nothing = recordingInstance(async () => {
      throw new InvalidSubsetError('No steps needed to be retried in the failed run.');
    });
    expect(await createReexecutionForLocation(nothing, location, parent, { fromFailure: true })).toBeNull();
    const broken = recordingInstance(async () => {
      throw new Error('storage down');
    });
    await expect(createReexecutionForLocation(broken, location, parent)).rejects.toThrow('storage down');
    const other = new DagsterRun({ ...parent, jobName: 'missing', runId: 'p2' });
    await expect(createReexecutionForLocation(broken, location, other)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(broken.asked).toHaveLength(1);
  });
});
