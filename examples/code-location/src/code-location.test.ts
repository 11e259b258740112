/**
 * The example code location: it loads, its jobs carry Dagster-shaped snapshots, and on a real SQLite home its runs
 * are created with both snapshots, planned events show partitions IN_PROGRESS for every partitions kind, and a
 * failed op run re-executes FROM_FAILURE from its stored plan with the parent's outputs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '@inst/core';
import { Definitions, evaluateSchedule, evaluateSensor, executionPlanSnapshot, type JobDefinition } from '@inst/definitions';
import { executeRun } from '@inst/execution';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import { serializeValue } from '@inst/serdes';
import { AssetKey, DagsterEventType, DagsterRunStatus, createExecutionPlanSnapshotId, createJobSnapshotId } from '@inst/types';
import defs, { customers, days, regionDays, regions } from './index';

const at = (iso: string): number => Date.parse(iso) / 1000;
const pg = await pgAvailable();

const backends: { name: string; enabled: boolean; config: () => Promise<{ yaml: string; dispose: () => Promise<void> }> }[] = [
  { name: 'SQLite', enabled: true, config: async () => ({ yaml: '', dispose: async () => {} }) },
  {
    name: 'Postgres',
    enabled: pg,
    config: async () => {
      const scratch = await createScratchDatabase('inst_defs_example');
      return { yaml: `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`, dispose: () => scratch.drop() };
    },
  },
];

describe('the example code location', () => {
  it('loads as a Definitions with its jobs, schedule and sensor', () => {
    expect(Definitions.isDefinitions(defs)).toBe(true);
    expect(defs.jobs.map((job) => job.name).sort()).toEqual(['__ASSET_JOB', 'customer_job', 'daily_events_job', 'etl_job', 'region_daily_job', 'region_job']);
    expect(defs.getSchedule('nightly_events')).toMatchObject({ jobName: 'daily_events_job', cronSchedule: '0 1 * * *', executionTimezone: 'UTC', defaultStatus: 'RUNNING' });
    expect(defs.getSensor('new_customers')).toMatchObject({ jobNames: ['customer_job'], minimumIntervalSeconds: 60, sensorType: 'STANDARD' });
    expect(defs.dynamicPartitionsDefinitionNames).toEqual(['customers']);
  });

  it('its snapshots are Dagster-shaped and content-addressed', () => {
    const etl = defs.getJob('etl_job');
    const text = serializeValue(etl.snapshot);
    expect(text.startsWith('{"__class__": "PipelineSnapshot"')).toBe(true);
    expect(etl.snapshot.depStructureSnapshot.nodeInvocationSnaps.map((n) => [n.nodeName, n.inputDepSnaps.map((d) => d.upstreamOutputSnaps[0]!.nodeName)])).toEqual([
      ['extract', []],
      ['load', ['transform']],
      ['transform', ['extract']],
    ]);
    const plan = executionPlanSnapshot(etl);
    expect(plan.jobSnapshotId).toBe(createJobSnapshotId(etl.snapshot));
    expect(plan.stepKeysToExecute).toEqual(['extract', 'transform', 'load']);
    const events = defs.getJob('daily_events_job');
    const rawStep = executionPlanSnapshot(events).steps.find((step) => step.key === 'events__raw')!;
    expect(rawStep.outputs.map((o) => [o.name, o.properties?.assetKey?.path ?? null, o.properties?.assetCheckKey?.name ?? null, o.properties?.isAssetPartitioned])).toEqual([
      ['result', ['events', 'raw'], null, true],
      ['events__raw_not_empty', null, 'not_empty', false],
    ]);
    const pooled = executionPlanSnapshot(defs.getJob('region_job')).steps.find((step) => step.key === 'region_stats')!;
    expect(pooled.tags).toEqual({ 'dagster/concurrency_key': 'warehouse' });
    // The same definitions give the same ids.
    expect(createExecutionPlanSnapshotId(executionPlanSnapshot(etl))).toBe(createExecutionPlanSnapshotId(plan));
  });

  it('the schedule targets yesterday; the sensor adds customers and requests their reports', async () => {
    const tick = await evaluateSchedule(defs, 'nightly_events', { scheduledExecutionTime: at('2024-03-05T01:00:00Z') });
    expect(tick.runRequests).toEqual([{ runKey: null, runConfig: {}, tags: { source: 'schedule' }, partitionKey: '2024-03-04', jobName: 'daily_events_job' }]);
    const first = await evaluateSensor(defs, 'new_customers', { cursor: null, lastTickCompletionTime: null, lastRunKey: null, lastSensorStartTime: null });
    expect(first).toMatchObject({ cursor: '1', runRequests: [{ runKey: 'customer_1', partitionKey: 'customer_1', jobName: 'customer_job' }], dynamicPartitionsRequests: [{ partitionsDefName: 'customers', add: ['customer_1'] }] });
    const done = await evaluateSensor(defs, 'new_customers', { cursor: '3', lastTickCompletionTime: null, lastRunKey: null, lastSensorStartTime: null });
    expect(done.skipMessage).toBe('no new customers');
  });

  for (const backend of backends) describe.runIf(backend.enabled)(`on a ${backend.name} home`, () => {
    let home: string;
    let instance: Instance;
    let disposeBackend: () => Promise<void>;
    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'inst-code-location-'));
      const { yaml, dispose } = await backend.config();
      disposeBackend = dispose;
      writeFileSync(join(home, 'dagster.yaml'), `run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\n${yaml}`);
      instance = await Instance.fromConfig(home);
    });
    afterAll(async () => {
      await instance?.dispose();
      await disposeBackend?.();
      rmSync(home, { recursive: true, force: true });
    });

    async function createPartitionRun(job: JobDefinition, partitionKey: string) {
      return instance.createRunForJob(job, null, null, null, null, null, { 'dagster/partition': partitionKey });
    }

    it('runs carry both snapshots and planned events; partitions show IN_PROGRESS for every partitions kind', async () => {
      await instance.addDynamicPartitions('customers', ['acme', 'globex']);
      const cases: [string, string, AssetKey, string[], unknown][] = [
        ['daily_events_job', '2024-01-02', new AssetKey(['events', 'raw']), ['2024-01-01', '2024-01-02'], days],
        ['region_job', 'us', new AssetKey(['region_stats']), ['eu', 'us'], regions],
        ['customer_job', 'globex', new AssetKey(['customer_reports']), ['acme', 'globex'], customers],
        ['region_daily_job', '2024-01-02|us', new AssetKey(['region_daily']), ['2024-01-02|eu', '2024-01-02|us'], regionDays],
      ];
      for (const [jobName, partition, assetKey, keys, partitionsDef] of cases) {
        const job = defs.getJob(jobName);
        const run = await createPartitionRun(job, partition);
        expect(run.jobSnapshotId).toBe(createJobSnapshotId(job.snapshot));
        expect(run.executionPlanSnapshotId).toBeTruthy();
        expect(await instance.hasSnapshot(run.executionPlanSnapshotId!)).toBe(true);
        const planned = await instance.allLogs(run.runId, DagsterEventType.ASSET_MATERIALIZATION_PLANNED);
        expect(planned.map((entry) => entry.dagsterEvent?.eventSpecificData)).toContainEqual(expect.objectContaining({ partition }));
        const status = await instance.getStatusByPartition(assetKey, keys, partitionsDef as never);
        expect(status, jobName).toEqual(new Map([[keys[0], null], [keys[1], 'IN_PROGRESS']]));
      }
      // The check planned with its asset.
      const eventsRun = (await instance.getRuns()).find((run) => run.jobName === 'daily_events_job')!;
      const checks = await instance.allLogs(eventsRun.runId, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED);
      expect(checks).toHaveLength(1);
      // A time-window run stores its compact partitions subset.
      expect(serializeValue(eventsRun.partitionsSubset)).toContain('"__class__": "TimeWindowPartitionsSubset"');
    });

    it('a failed op run re-executes FROM_FAILURE: only the failed step and its downstream, inputs from the parent', async () => {
      const job = defs.getJob('etl_job');
      const parent = await instance.createRunForJob(job);
      const failed = await executeRun(instance, parent, job);
      expect(failed.status).toBe(DagsterRunStatus.FAILURE);
      const child = await instance.createReexecutedRun({
        parentRun: failed,
        codeLocation: job,
        remoteJob: job,
        strategy: 'FROM_FAILURE',
        runConfig: { ops: { transform: { config: { fail: false } } } },
      });
      expect(child.stepKeysToExecute).toEqual(['transform', 'load']);
      expect(child.tags['dagster/parent_run_id']).toBe(parent.runId);
      const plan = await instance.getExecutionPlanSnapshot(child.executionPlanSnapshotId!);
      expect(plan.stepKeysToExecute).toEqual(['transform', 'load']);
      const done = await executeRun(instance, child, job);
      expect(done.status).toBe(DagsterRunStatus.SUCCESS);
      const outputs = (await instance.allLogs(child.runId, DagsterEventType.STEP_OUTPUT)).map((entry) => entry.stepKey);
      expect(outputs).toEqual(['transform', 'load']);
    });
  });
});
