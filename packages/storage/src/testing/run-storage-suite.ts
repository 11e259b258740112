import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BackfillNotFoundError,
  DisposedError,
  InvalidArgumentError,
  InvalidCursorError,
  InvalidFilterError,
  RunAlreadyExistsError,
  RunNotFoundError,
  SnapshotNotFoundError,
} from '@inst/errors';
import { createSnapshotId, serializeValue } from '@inst/serdes';
import {
  BulkActionsFilter,
  BulkActionStatus,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  ExecutionPlanSnapshot,
  JobFailureData,
  JobSnapshot,
  LoadableTargetOrigin,
  ManagedGrpcPythonEnvCodeLocationOrigin,
  PartitionBackfill,
  RemoteRepositoryOrigin,
  RUN_TAGS,
  RunFailureReason,
  RunsFilter,
  type RemoteJobOrigin,
  type RemotePartitionSetOrigin,
  type RunRecord,
} from '@inst/types';
import type { RunStorage } from '../run-storage';

/**
 * What a run storage supports, Dagster's `TestRunStorage` hooks. Every flag defaults to `true`:
 * a backend turns off only what it cannot do.
 */
export interface RunStorageCapabilities {
  /** `deleteRun` and `wipe` remove data (Dagster's `can_delete_runs`). */
  readonly canDeleteRuns: boolean;
  /** `BulkActionsFilter.tags` (Dagster's `supports_backfill_tags_filtering_queries`). */
  readonly supportsBackfillTagsFilteringQueries: boolean;
  /** `BulkActionsFilter.jobName` (Dagster's `supports_backfill_job_name_filtering_queries`). */
  readonly supportsBackfillJobNameFilteringQueries: boolean;
  /** `BulkActionsFilter.backfillIds` (Dagster's `supports_backfill_id_filtering_queries`). */
  readonly supportsBackfillIdFilteringQueries: boolean;
  /** `getBackfillsCount` (Dagster's `supports_backfills_count`). */
  readonly supportsBackfillsCount: boolean;
  /** `hasBuiltIndex` reports Dagster's data migrations, all built on a fresh storage (SQL storages). */
  readonly hasSecondaryIndexes: boolean;
}

/** Options of {@link describeRunStorage}. */
export interface RunStorageSuiteOptions {
  /** A fresh, empty storage; each test gets its own and disposes it. */
  readonly create: () => Promise<RunStorage>;
  readonly capabilities?: Partial<RunStorageCapabilities>;
}

const DEFAULT_CAPABILITIES: RunStorageCapabilities = {
  canDeleteRuns: true,
  supportsBackfillTagsFilteringQueries: true,
  supportsBackfillJobNameFilteringQueries: true,
  supportsBackfillIdFilteringQueries: true,
  supportsBackfillsCount: true,
  hasSecondaryIndexes: true,
};

/** Dagster's `REQUIRED_DATA_MIGRATIONS` of the run storage (`runs/migration.py`). */
const REQUIRED_DATA_MIGRATIONS = [
  'run_partitions',
  'run_repo_label_tags',
  'bulk_action_types',
  'run_backfill_id',
  'backfill_job_name_and_tags',
  'backfill_end_timestamp',
];

// ------------------------------------------------------------------ builders (Dagster's helpers)

const makeNewRunId = (): string => randomUUID();

interface BuildRunOptions {
  runId: string;
  jobName: string;
  tags?: Record<string, string>;
  status?: DagsterRunStatus;
  parentRunId?: string | null;
  rootRunId?: string | null;
  jobSnapshotId?: string | null;
  remoteJobOrigin?: RemoteJobOrigin | null;
}

function buildRun(options: BuildRunOptions): DagsterRun {
  return new DagsterRun({ status: DagsterRunStatus.NOT_STARTED, ...options });
}

function fakeRepoTarget(repoName = 'fake_repo_name'): RemoteRepositoryOrigin {
  return new RemoteRepositoryOrigin({
    codeLocationOrigin: new ManagedGrpcPythonEnvCodeLocationOrigin({
      loadableTargetOrigin: new LoadableTargetOrigin({ executablePath: '/usr/bin/python3', moduleName: 'fake', attribute: 'fake' }),
      locationName: 'fake:fake',
    }),
    repositoryName: repoName,
  });
}

const fakeJobOrigin = (jobName: string, repoName?: string): RemoteJobOrigin => fakeRepoTarget(repoName).getJobOrigin(jobName);
const fakePartitionSetOrigin = (name: string): RemotePartitionSetOrigin => fakeRepoTarget().getPartitionSetOrigin(name);

/** A job snapshot like `GraphDefinition(name=…, node_defs=[]).to_job().get_job_snapshot()`. */
function jobSnapshot(name: string): JobSnapshot {
  return new JobSnapshot({
    name,
    description: null,
    tags: {},
    modeDefSnaps: [],
    lineageSnapshot: null,
    graphDefName: name,
  });
}

function executionPlanSnapshot(jobSnapshotId: string): ExecutionPlanSnapshot {
  return new ExecutionPlanSnapshot({
    steps: [],
    artifactsPersisted: true,
    jobSnapshotId,
    stepKeysToExecute: [],
    initialKnownState: null,
    snapshotVersion: 1,
    executorName: 'in_process',
  });
}

function runEvent(eventType: DagsterEventType, jobName: string, eventSpecificData: object | null = null): DagsterEvent {
  return new DagsterEvent({ eventTypeValue: eventType, jobName, message: 'a message', eventSpecificData });
}

interface BuildBackfillOptions {
  tags?: Record<string, string>;
  status?: BulkActionStatus;
  backfillTimestamp?: number;
}

function buildBackfill(backfillId: string, options: BuildBackfillOptions = {}): PartitionBackfill {
  return new PartitionBackfill({
    backfillId,
    partitionSetOrigin: fakePartitionSetOrigin('fake_partition_set'),
    status: options.status ?? BulkActionStatus.REQUESTED,
    partitionNames: ['a', 'b', 'c'],
    fromFailure: false,
    tags: options.tags ?? {},
    backfillTimestamp: options.backfillTimestamp ?? Date.now() / 1000,
  });
}

/** Records and runs compare by their serialized bytes (what the storage promises to keep). */
const bytes = (value: unknown): string => serializeValue(value);
const runIdsOf = (runs: readonly DagsterRun[]): string[] => runs.map((r) => r.runId);
const recordRunIds = (records: readonly RunRecord[]): string[] => records.map((r) => r.dagsterRun.runId);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function getRunById(storage: RunStorage, runId: string): Promise<DagsterRun | undefined> {
  const records = await storage.getRunRecords(new RunsFilter({ runIds: [runId] }));
  return records[0]?.dagsterRun;
}

async function requireRun(storage: RunStorage, runId: string): Promise<DagsterRun> {
  const found = await getRunById(storage, runId);
  if (!found) throw new Error(`run ${runId} not found`);
  return found;
}

/**
 * The run storage conformance suite: every test of Dagster's `TestRunStorage` (named with
 * Dagster's test name first), plus inst's typed errors, atomic writes and bucket queries.
 */
export function describeRunStorage(name: string, options: RunStorageSuiteOptions): void {
  const caps: RunStorageCapabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };

  describe(`RunStorage: ${name}`, () => {
    let storage: RunStorage;

    beforeEach(async () => {
      storage = await options.create();
    });
    afterEach(async () => {
      await storage.dispose();
    });

    async function backfillsWithCount(filters: BulkActionsFilter, expectedCount: number): Promise<PartitionBackfill[]> {
      const backfills = await storage.getBackfills(filters);
      expect(backfills).toHaveLength(expectedCount);
      if (caps.supportsBackfillsCount) expect(await storage.getBackfillsCount(filters)).toBe(backfills.length);
      return backfills;
    }

    // -------------------------------------------------------------- runs

    it('test_basic_storage: adds a run and reads it back', async () => {
      const runId = makeNewRunId();
      const added = await storage.addRun(buildRun({ runId, jobName: 'some_pipeline', tags: { foo: 'bar' } }));
      expect(added.runId).toBe(runId);
      const runs = await storage.getRuns();
      expect(runs).toHaveLength(1);
      expect(runs[0]!.runId).toBe(runId);
      expect(runs[0]!.jobName).toBe('some_pipeline');
      expect(runs[0]!.tags).toEqual({ foo: 'bar' });
      expect(await storage.hasRun(runId)).toBe(true);
      expect(await storage.hasRun(makeNewRunId())).toBe(false);
      const fetched = await requireRun(storage, runId);
      expect(fetched.runId).toBe(runId);
      expect(fetched.jobName).toBe('some_pipeline');
    });

    it.runIf(caps.canDeleteRuns)('test_clear: wipe() removes every run', async () => {
      await storage.addRun(buildRun({ runId: makeNewRunId(), jobName: 'some_pipeline' }));
      expect(await storage.getRuns()).toHaveLength(1);
      await storage.wipe();
      expect(await storage.getRuns()).toEqual([]);
    });

    it('test_storage_telemetry: the run storage id is a stable string', async () => {
      const storageId = await storage.getRunStorageId();
      expect(typeof storageId).toBe('string');
      expect(storageId.length).toBeGreaterThan(0);
      expect(await storage.getRunStorageId()).toBe(storageId);
    });

    it('test_fetch_by_job: filters by job name', async () => {
      const [one, two] = [makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline' }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_other_pipeline' }));
      expect(await storage.getRuns()).toHaveLength(2);
      const someRuns = await storage.getRuns(new RunsFilter({ jobName: 'some_pipeline' }));
      expect(runIdsOf(someRuns)).toEqual([one]);
    });

    it('test_fetch_by_repo: the repository label tag is added from the origin', async () => {
      const [one, two] = [makeNewRunId(), makeNewRunId()];
      const jobName = 'some_job';
      await storage.addRun(buildRun({ runId: one, jobName, remoteJobOrigin: fakeJobOrigin(jobName, 'fake_repo_one') }));
      await storage.addRun(buildRun({ runId: two, jobName, remoteJobOrigin: fakeJobOrigin(jobName, 'fake_repo_two') }));
      const oneRuns = await storage.getRuns(new RunsFilter({ tags: { [RUN_TAGS.REPOSITORY_LABEL]: 'fake_repo_one@fake:fake' } }));
      expect(runIdsOf(oneRuns)).toEqual([one]);
      const twoRuns = await storage.getRuns(new RunsFilter({ tags: { [RUN_TAGS.REPOSITORY_LABEL]: 'fake_repo_two@fake:fake' } }));
      expect(runIdsOf(twoRuns)).toEqual([two]);
      // The label is a storage tag, not one of the run's own tags.
      expect(oneRuns[0]!.tags).toEqual({});
    });

    it('test_fetch_by_snapshot_id: filters by job snapshot id', async () => {
      const snapshotA = jobSnapshot('some_pipeline');
      const snapshotB = jobSnapshot('some_other_pipeline');
      const snapshotAId = createSnapshotId(snapshotA);
      const snapshotBId = createSnapshotId(snapshotB);
      expect(await storage.addJobSnapshot(snapshotA)).toBe(snapshotAId);
      expect(await storage.addJobSnapshot(snapshotB)).toBe(snapshotBId);

      const [one, two] = [makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', jobSnapshotId: snapshotAId }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_other_pipeline', jobSnapshotId: snapshotBId }));
      expect(await storage.getRuns()).toHaveLength(2);
      expect(runIdsOf(await storage.getRuns(new RunsFilter({ snapshotId: snapshotAId })))).toEqual([one]);
      expect(runIdsOf(await storage.getRuns(new RunsFilter({ snapshotId: snapshotBId })))).toEqual([two]);
    });

    it('test_add_run_tags: merges tags into the run and the tag index', async () => {
      const [one, two] = [makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'foo' }));
      await storage.addRun(buildRun({ runId: two, jobName: 'bar' }));
      expect(await storage.getRunTags(['tag1', 'tag2'])).toEqual([]);

      await storage.addRunTags(one, { tag1: 'val1', tag2: 'val2' });
      await storage.addRunTags(two, { tag1: 'val1' });
      expect(await storage.getRunTags(['tag1', 'tag2'])).toEqual([
        ['tag1', new Set(['val1'])],
        ['tag2', new Set(['val2'])],
      ]);

      // Both existing tags and a new tag.
      await storage.addRunTags(one, { tag1: 'val2', tag3: 'val3' });
      expect((await requireRun(storage, one)).tags).toEqual({ tag1: 'val2', tag2: 'val2', tag3: 'val3' });
      expect(await storage.getRunTags(['tag1', 'tag2', 'tag3'])).toEqual([
        ['tag1', new Set(['val1', 'val2'])],
        ['tag2', new Set(['val2'])],
        ['tag3', new Set(['val3'])],
      ]);

      // Only existing tags.
      await storage.addRunTags(one, { tag1: 'val3' });
      expect((await requireRun(storage, one)).tags).toEqual({ tag1: 'val3', tag2: 'val2', tag3: 'val3' });
      expect(await storage.getRunTags(['tag1', 'tag2', 'tag3'])).toEqual([
        ['tag1', new Set(['val1', 'val3'])],
        ['tag2', new Set(['val2'])],
        ['tag3', new Set(['val3'])],
      ]);

      // Only a new tag.
      await storage.addRunTags(one, { tag4: 'val4' });
      expect((await requireRun(storage, one)).tags).toEqual({ tag1: 'val3', tag2: 'val2', tag3: 'val3', tag4: 'val4' });
      expect(await storage.getRunTags(['tag1', 'tag2', 'tag3', 'tag4'])).toEqual([
        ['tag1', new Set(['val1', 'val3'])],
        ['tag2', new Set(['val2'])],
        ['tag3', new Set(['val3'])],
        ['tag4', new Set(['val4'])],
      ]);

      expect(runIdsOf(await storage.getRuns(new RunsFilter({ tags: { tag3: 'val3' } })))).toEqual([one]);
      const withOldTag = await storage.getRuns(new RunsFilter({ tags: { tag1: 'val1' } }));
      expect(runIdsOf(withOldTag)).toEqual([two]);
      expect(withOldTag[0]!.tags).toEqual({ tag1: 'val1' });
      const withNewTag = await storage.getRuns(new RunsFilter({ tags: { tag1: 'val3' } }));
      expect(runIdsOf(withNewTag)).toEqual([one]);
      expect(withNewTag[0]!.tags).toEqual({ tag1: 'val3', tag2: 'val2', tag3: 'val3', tag4: 'val4' });
    });

    it('test_get_run_tags: tag keys, key filter, value prefix and limit', async () => {
      const [one, two] = [makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'foo' }));
      await storage.addRun(buildRun({ runId: two, jobName: 'foo' }));
      await storage.addRunTags(one, { tag1: 'val1', tag2: 'val2', tag3: 'val3', tag4: 'val4', x_1: 'x_1', x_2: 'x_2' });
      await storage.addRunTags(two, { tag1: 'val3' });

      expect(await storage.getRunTagKeys()).toEqual(['tag1', 'tag2', 'tag3', 'tag4', 'x_1', 'x_2']);
      expect(await storage.getRunTags(['tag1'])).toEqual([['tag1', new Set(['val1', 'val3'])]]);
      expect(await storage.getRunTags(['tag1', 'tag2'])).toEqual([
        ['tag1', new Set(['val1', 'val3'])],
        ['tag2', new Set(['val2'])],
      ]);
      expect(await storage.getRunTags(['x_1', 'x_2'], 'x_')).toEqual([
        ['x_1', new Set(['x_1'])],
        ['x_2', new Set(['x_2'])],
      ]);
      // The limit counts (key, value) pairs: 3 pairs still cover both keys.
      expect(await storage.getRunTags(['tag1', 'tag2'], undefined, 3)).toEqual([
        ['tag1', new Set(['val1', 'val3'])],
        ['tag2', new Set(['val2'])],
      ]);
      expect(await storage.getRunTags(['tag1', 'tag2'], undefined, 1)).toEqual([['tag1', new Set(['val1'])]]);
      // Empty tag keys mean nothing, not everything.
      expect(await storage.getRunTags([])).toEqual([]);
      // The prefix is matched exactly: case and LIKE wildcards count as themselves.
      expect(await storage.getRunTags(['x_1', 'tag1'], 'X_')).toEqual([]);
      expect(await storage.getRunTags(['tag1', 'tag2'], 'val%')).toEqual([]);
    });

    it('test_fetch_by_filter: every RunsFilter field, alone and combined; get_runs, get_runs_count and get_run_ids agree', async () => {
      const [one, two, three, four] = [makeNewRunId(), makeNewRunId(), makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', tags: { tag: 'hello', tag2: 'world' }, status: DagsterRunStatus.SUCCESS }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', tags: { tag: 'hello' }, status: DagsterRunStatus.FAILURE }));
      await storage.addRun(buildRun({ runId: three, jobName: 'other_pipeline', status: DagsterRunStatus.SUCCESS }));
      await storage.addRun(buildRun({ runId: four, jobName: 'some_other_pipeline', tags: { tag: 'goodbye' }, status: DagsterRunStatus.FAILURE }));
      expect(await storage.getRuns()).toHaveLength(4);

      async function expectMatches(filter: RunsFilter, expected: string[]): Promise<void> {
        expect(runIdsOf(await storage.getRuns(filter))).toEqual(expected);
        expect(await storage.getRunsCount(filter)).toBe(expected.length);
        expect(await storage.getRunIds(filter)).toEqual(expected);
      }

      await expectMatches(new RunsFilter({ runIds: [one] }), [one]);
      await expectMatches(new RunsFilter({ jobName: 'some_pipeline' }), [two, one]);
      await expectMatches(new RunsFilter({ statuses: [DagsterRunStatus.SUCCESS] }), [three, one]);
      await expectMatches(new RunsFilter({ tags: { tag: 'hello' } }), [two, one]);
      await expectMatches(new RunsFilter({ tags: { tag: 'hello', tag2: 'world' } }), [one]);
      await expectMatches(new RunsFilter({ jobName: 'some_pipeline', tags: { tag: 'hello' } }), [two, one]);
      await expectMatches(new RunsFilter({ tags: { tag: ['hello', 'goodbye', 'farewell'] } }), [four, two, one]);
      await expectMatches(new RunsFilter({ tags: { tag: ['hello', 'goodbye', 'farewell'], tag2: 'world' } }), [one]);
      await expectMatches(new RunsFilter({ jobName: 'some_pipeline', tags: { tag: 'hello' }, statuses: [DagsterRunStatus.SUCCESS] }), [one]);
      await expectMatches(
        new RunsFilter({ runIds: [one], jobName: 'some_pipeline', tags: { tag: 'hello' }, statuses: [DagsterRunStatus.SUCCESS] }),
        [one],
      );
      await expectMatches(new RunsFilter(), [four, three, two, one]);
      // A list value with no values matches no run.
      await expectMatches(new RunsFilter({ tags: { tag: [] } }), []);
    });

    it('test_fetch_count_by_tag: counts with tag filters', async () => {
      const [one, two, three] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', tags: { mytag: 'hello', mytag2: 'world' } }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', tags: { mytag: 'goodbye', mytag2: 'world' } }));
      await storage.addRun(buildRun({ runId: three, jobName: 'some_pipeline' }));
      expect(await storage.getRuns()).toHaveLength(3);
      expect(await storage.getRunsCount(new RunsFilter({ tags: { mytag: 'hello', mytag2: 'world' } }))).toBe(1);
      expect(await storage.getRunsCount(new RunsFilter({ tags: { mytag2: 'world' } }))).toBe(2);
      expect(await storage.getRunsCount()).toBe(3);
      expect(await storage.getRunTags(['mytag', 'mytag2'])).toEqual([
        ['mytag', new Set(['goodbye', 'hello'])],
        ['mytag2', new Set(['world'])],
      ]);
    });

    it('test_fetch_by_tags: several tags must all match; no tags is no filter', async () => {
      const [one, two, three] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', tags: { mytag: 'hello', mytag2: 'world' } }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', tags: { mytag: 'goodbye', mytag2: 'world' } }));
      await storage.addRun(buildRun({ runId: three, jobName: 'some_pipeline' }));
      expect(await storage.getRuns()).toHaveLength(3);
      expect(runIdsOf(await storage.getRuns(new RunsFilter({ tags: { mytag: 'hello', mytag2: 'world' } })))).toEqual([one]);
      expect(runIdsOf(await storage.getRuns(new RunsFilter({ tags: { mytag2: 'world' } })))).toEqual([two, one]);
      expect(await storage.getRuns(new RunsFilter({ tags: {} }))).toHaveLength(3);
    });

    it('test_paginated_fetch: cursor (a run id) and limit, with job and tag filters', async () => {
      const [one, two, three] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      for (const runId of [one, two, three]) await storage.addRun(buildRun({ runId, jobName: 'some_pipeline', tags: { mytag: 'hello' } }));

      expect(await storage.getRuns()).toHaveLength(3);
      expect(await storage.getRunIds()).toEqual([three, two, one]);
      expect(runIdsOf(await storage.getRuns(undefined, three, 1))).toEqual([two]);
      expect(await storage.getRunIds(undefined, three, 1)).toEqual([two]);

      const byJob = new RunsFilter({ jobName: 'some_pipeline' });
      expect(await storage.getRuns(byJob)).toHaveLength(3);
      expect(await storage.getRunIds(byJob)).toEqual([three, two, one]);
      expect(runIdsOf(await storage.getRuns(byJob, three, 1))).toEqual([two]);
      expect(await storage.getRunIds(byJob, three, 1)).toEqual([two]);

      const byTag = new RunsFilter({ tags: { mytag: 'hello' } });
      expect(await storage.getRuns(byTag)).toHaveLength(3);
      expect(await storage.getRunIds(byTag)).toEqual([three, two, one]);
      expect(runIdsOf(await storage.getRuns(byTag, three, 1))).toEqual([two]);
      expect(await storage.getRunIds(byTag, three, 1)).toEqual([two]);

      // Ascending pages go the other way from the cursor.
      expect(runIdsOf(await storage.getRuns(undefined, one, undefined, undefined, true))).toEqual([two, three]);
    });

    it('test_get_run_ids: run ids with a filter and a limit', async () => {
      const [one, two, three] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      for (const runId of [one, two, three]) await storage.addRun(buildRun({ runId, jobName: 'some_pipeline', tags: { mytag: 'hello' } }));
      expect(await storage.getRunIds(new RunsFilter({ jobName: 'some_pipeline' }))).toEqual([three, two, one]);
      expect(await storage.getRunIds(new RunsFilter({ jobName: 'some_pipeline' }), undefined, 1)).toEqual([three]);
    });

    it('test_fetch_by_status: filters by status', async () => {
      const [one, two, three, four] = [makeNewRunId(), makeNewRunId(), makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', status: DagsterRunStatus.NOT_STARTED }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await storage.addRun(buildRun({ runId: three, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await storage.addRun(buildRun({ runId: four, jobName: 'some_pipeline', status: DagsterRunStatus.FAILURE }));
      const idsWith = async (status: DagsterRunStatus): Promise<Set<string>> =>
        new Set(runIdsOf(await storage.getRuns(new RunsFilter({ statuses: [status] }))));
      expect(await idsWith(DagsterRunStatus.NOT_STARTED)).toEqual(new Set([one]));
      expect(await idsWith(DagsterRunStatus.STARTED)).toEqual(new Set([two, three]));
      expect(await idsWith(DagsterRunStatus.FAILURE)).toEqual(new Set([four]));
      expect(await idsWith(DagsterRunStatus.SUCCESS)).toEqual(new Set());
    });

    it('test_failure_event_updates_tags: a PIPELINE_FAILURE with a failure reason tags the run', async () => {
      const one = makeNewRunId();
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await storage.handleRunEvent(
        one,
        runEvent(DagsterEventType.RUN_FAILURE, 'some_pipeline', new JobFailureData({ error: null, failureReason: RunFailureReason.RUN_EXCEPTION })),
      );
      const failed = await requireRun(storage, one);
      expect(failed.status).toBe(DagsterRunStatus.FAILURE);
      expect(failed.tags[RUN_TAGS.RUN_FAILURE_REASON]).toBe(RunFailureReason.RUN_EXCEPTION);
      expect(await storage.getRunTags([RUN_TAGS.RUN_FAILURE_REASON])).toEqual([[RUN_TAGS.RUN_FAILURE_REASON, new Set(['RUN_EXCEPTION'])]]);

      // UNKNOWN is not worth a tag.
      const two = makeNewRunId();
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await storage.handleRunEvent(
        two,
        runEvent(DagsterEventType.RUN_FAILURE, 'some_pipeline', new JobFailureData({ error: null, failureReason: RunFailureReason.UNKNOWN })),
      );
      expect((await requireRun(storage, two)).tags).toEqual({});
    });

    it('test_get_run_records: order, ascending, cursor in both directions, limit', async () => {
      const [one, two, three] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      for (const runId of [one, two, three]) await storage.addRun(buildRun({ runId, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      for (const runId of [three, two, one]) await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_SUCCESS, 'some_pipeline'));

      expect(recordRunIds(await storage.getRunRecords())).toEqual([three, two, one]);
      expect(recordRunIds(await storage.getRunRecords(undefined, undefined, undefined, true))).toEqual([one, two, three]);
      expect(recordRunIds(await storage.getRunRecords(undefined, undefined, undefined, false, two))).toEqual([one]);
      expect(recordRunIds(await storage.getRunRecords(undefined, undefined, undefined, true, two))).toEqual([three]);
      expect(recordRunIds(await storage.getRunRecords(undefined, 1))).toEqual([three]);
      expect(recordRunIds(await storage.getRunRecords(undefined, 1, undefined, false, three))).toEqual([two]);
      expect(recordRunIds(await storage.getRunRecords(undefined, 1, undefined, true, one))).toEqual([two]);

      const records = await storage.getRunRecords();
      expect(records.every((r) => r.dagsterRun.status === DagsterRunStatus.SUCCESS)).toBe(true);
      // Storage ids grow with insertion order.
      expect(records[0]!.storageId).toBeGreaterThan(records[1]!.storageId);
      expect(records[1]!.storageId).toBeGreaterThan(records[2]!.storageId);
    });

    it('test_fetch_records_by_update_timestamp: updated_after / updated_before with order_by update_timestamp', async () => {
      const [one, two, three] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', status: DagsterRunStatus.FAILURE }));
      await storage.addRun(buildRun({ runId: three, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      // Explicit event times (Dagster takes them from the events): three succeeds, then one fails.
      const base = Math.ceil(Date.now() / 1000) * 1000 + 60_000;
      await storage.handleRunEvent(three, runEvent(DagsterEventType.RUN_SUCCESS, 'some_pipeline'), new Date(base + 1000));
      await storage.handleRunEvent(one, runEvent(DagsterEventType.RUN_FAILURE, 'some_pipeline'), new Date(base + 2000));

      const since2020 = new Date(Date.UTC(2020, 0, 1));
      const recordTwo = (await storage.getRunRecords(new RunsFilter({ runIds: [two], updatedAfter: since2020 })))[0]!;
      const recordThree = (await storage.getRunRecords(new RunsFilter({ runIds: [three] })))[0]!;
      const recordOne = (await storage.getRunRecords(new RunsFilter({ runIds: [one], updatedAfter: since2020 })))[0]!;
      expect(recordThree.updateTimestamp.getTime()).toBe(base + 1000);
      expect(recordOne.updateTimestamp.getTime()).toBe(base + 2000);

      const ascendingByUpdate = (filters: RunsFilter): Promise<RunRecord[]> => storage.getRunRecords(filters, undefined, 'update_timestamp', true);
      expect(recordRunIds(await ascendingByUpdate(new RunsFilter({ updatedAfter: recordTwo.updateTimestamp })))).toEqual([three, one]);
      expect(
        recordRunIds(await ascendingByUpdate(new RunsFilter({ updatedAfter: recordTwo.updateTimestamp, updatedBefore: recordOne.updateTimestamp }))),
      ).toEqual([three]);
      expect(
        recordRunIds(await storage.getRunRecords(new RunsFilter({ statuses: [DagsterRunStatus.FAILURE], updatedAfter: recordTwo.updateTimestamp }))),
      ).toEqual([one]);
      expect(recordRunIds(await storage.getRunRecords(new RunsFilter({ updatedBefore: recordThree.updateTimestamp })))).toEqual([two]);
    });

    it('test_fetch_records_by_create_timestamp: created_after / created_before are strict', async () => {
      const [one, two, three] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      // Dagster sleeps 2 s between runs; distinct milliseconds are enough for strict comparisons.
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await sleep(10);
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await sleep(10);
      await storage.addRun(buildRun({ runId: three, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      const records = await storage.getRunRecords();
      expect(records).toHaveLength(3);
      const twoCreated = records[1]!.createTimestamp;
      expect(records[0]!.createTimestamp.getTime()).toBeGreaterThan(twoCreated.getTime());
      expect(recordRunIds(await storage.getRunRecords(new RunsFilter({ createdAfter: twoCreated })))).toEqual([three]);
      expect(recordRunIds(await storage.getRunRecords(new RunsFilter({ createdBefore: twoCreated })))).toEqual([one]);
      expect(recordRunIds(await storage.getRunRecords(new RunsFilter({ createdAfter: new Date(twoCreated.getTime() - 1) })))).toEqual([three, two]);
    });

    it('test_fetch_by_status_cursored: status filter with cursor and limit', async () => {
      const [one, two, three, four] = [makeNewRunId(), makeNewRunId(), makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      await storage.addRun(buildRun({ runId: three, jobName: 'some_pipeline', status: DagsterRunStatus.NOT_STARTED }));
      await storage.addRun(buildRun({ runId: four, jobName: 'some_pipeline', status: DagsterRunStatus.STARTED }));
      const started = new RunsFilter({ statuses: [DagsterRunStatus.STARTED] });
      expect(new Set(runIdsOf(await storage.getRuns(started, four)))).toEqual(new Set([one, two]));
      expect(runIdsOf(await storage.getRuns(started, two))).toEqual([one]);
      expect(await storage.getRuns(started, one)).toEqual([]);
      expect(runIdsOf(await storage.getRuns(started, four, 1))).toEqual([two]);
    });

    it.runIf(caps.canDeleteRuns)('test_delete: delete_run removes the run', async () => {
      const runId = makeNewRunId();
      await storage.addRun(buildRun({ runId, jobName: 'some_pipeline' }));
      expect(await storage.getRuns()).toHaveLength(1);
      await storage.deleteRun(runId);
      expect(await storage.getRuns()).toEqual([]);
      expect(await storage.hasRun(runId)).toBe(false);
    });

    it.runIf(caps.canDeleteRuns)('test_delete_multiple: deleting several runs leaves the others', async () => {
      // Dagster's delete_runs(run_ids) is not in the contract: one delete_run per run.
      const runIds = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      for (const runId of runIds) await storage.addRun(buildRun({ runId, jobName: 'some_pipeline' }));
      const kept = makeNewRunId();
      await storage.addRun(buildRun({ runId: kept, jobName: 'some_pipeline' }));
      expect(await storage.getRuns()).toHaveLength(4);
      for (const runId of runIds) await storage.deleteRun(runId);
      expect(runIdsOf(await storage.getRuns())).toEqual([kept]);
    });

    it.runIf(caps.canDeleteRuns)('test_delete_with_tags: a deleted run leaves no tags', async () => {
      const runId = makeNewRunId();
      await storage.addRun(buildRun({ runId, jobName: 'some_pipeline', tags: { [runId]: runId } }));
      expect(await storage.getRuns()).toHaveLength(1);
      expect((await storage.getRunTags([runId])).map(([key]) => key)).toContain(runId);
      await storage.deleteRun(runId);
      expect(await storage.getRuns()).toEqual([]);
      expect((await storage.getRunTags([runId])).map(([key]) => key)).not.toContain(runId);
    });

    it.runIf(caps.canDeleteRuns)('test_delete_multiple_with_tags: deleted runs leave no tags, the others keep theirs', async () => {
      const runIds = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      for (const runId of runIds) await storage.addRun(buildRun({ runId, jobName: 'some_pipeline', tags: { [runId]: runId } }));
      await storage.addRun(buildRun({ runId: makeNewRunId(), jobName: 'some_pipeline', tags: { not_deleted: 'true' } }));
      expect(await storage.getRuns()).toHaveLength(4);
      for (const runId of runIds) await storage.deleteRun(runId);
      expect(await storage.getRuns()).toHaveLength(1);
      expect(await storage.getRunTags(runIds)).toEqual([]);
      expect(await storage.getRunTagKeys()).toEqual(['not_deleted']);
    });

    it.runIf(caps.canDeleteRuns)('test_wipe_tags: wipe also clears the tags', async () => {
      const runId = makeNewRunId();
      const run = new DagsterRun({ runId, jobName: 'a_pipeline', tags: { foo: 'bar' } });
      await storage.addRun(run);
      expect(bytes(await getRunById(storage, runId))).toBe(bytes(run));
      expect(await storage.getRunTags(['foo'])).toEqual([['foo', new Set(['bar'])]]);
      await storage.wipe();
      expect(await storage.getRuns()).toEqual([]);
      expect(await storage.getRunTags(['foo'])).toEqual([]);
    });

    it('test_write_conflicting_run_id: a second run with the same id is RunAlreadyExistsError', async () => {
      const doubleRunId = makeNewRunId();
      const run = new DagsterRun({ runId: doubleRunId, jobName: 'some_pipeline' });
      expect(await storage.addRun(run)).toBe(run);
      await expect(storage.addRun(run)).rejects.toBeInstanceOf(RunAlreadyExistsError);
      await expect(storage.addRun(run)).rejects.toMatchObject({ code: 'RUN_ALREADY_EXISTS', runId: doubleRunId });
    });

    // -------------------------------------------------------------- snapshots

    it('test_add_get_snapshot: job snapshots round-trip under their id', async () => {
      const snapshot = jobSnapshot('some_pipeline');
      const snapshotId = createSnapshotId(snapshot);
      expect(await storage.addJobSnapshot(snapshot)).toBe(snapshotId);
      const fetched = await storage.getJobSnapshot(snapshotId);
      expect(fetched).toBeInstanceOf(JobSnapshot);
      expect(bytes(fetched)).toBe(bytes(snapshot));
      expect(await storage.hasJobSnapshot(snapshotId)).toBe(true);
      expect(await storage.hasJobSnapshot('nope')).toBe(false);
      if (caps.canDeleteRuns) {
        await storage.wipe();
        expect(await storage.hasJobSnapshot(snapshotId)).toBe(false);
      }
    });

    it('test_single_write_read_with_snapshot: a run with a job snapshot round-trips', async () => {
      const runId = randomUUID();
      const snapshot = jobSnapshot('some_pipeline');
      const snapshotId = createSnapshotId(snapshot);
      const run = new DagsterRun({ runId, jobName: 'some_pipeline', jobSnapshotId: snapshotId });
      expect(await storage.hasJobSnapshot(snapshotId)).toBe(false);
      expect(await storage.addJobSnapshot(snapshot)).toBe(snapshotId);
      expect(bytes(await storage.getJobSnapshot(snapshotId))).toBe(bytes(snapshot));
      await storage.addRun(run);
      expect(bytes(await getRunById(storage, runId))).toBe(bytes(run));
      if (caps.canDeleteRuns) {
        await storage.wipe();
        expect(await storage.hasJobSnapshot(snapshotId)).toBe(false);
        expect(await storage.hasRun(runId)).toBe(false);
      }
    });

    it('test_single_write_with_missing_snapshot: a run naming an unknown snapshot is SnapshotNotFoundError and writes nothing', async () => {
      const run = new DagsterRun({ runId: 'lkasjdflkjasdf', jobName: 'some_pipeline', jobSnapshotId: 'nope', tags: { foo: 'bar' } });
      await expect(storage.addRun(run)).rejects.toBeInstanceOf(SnapshotNotFoundError);
      expect(await storage.hasRun('lkasjdflkjasdf')).toBe(false);
      expect(await storage.getRunTagKeys()).toEqual([]);
    });

    it('test_add_get_execution_snapshot: execution plan snapshots round-trip; adding twice is a no-op', async () => {
      const plan = executionPlanSnapshot(createSnapshotId(jobSnapshot('some_pipeline')));
      const snapshotId = await storage.addExecutionPlanSnapshot(plan);
      expect(snapshotId).toBe(createSnapshotId(plan));
      const fetched = await storage.getExecutionPlanSnapshot(snapshotId);
      expect(await storage.addExecutionPlanSnapshot(plan)).toBe(snapshotId);
      expect(fetched).toBeInstanceOf(ExecutionPlanSnapshot);
      expect(bytes(fetched)).toBe(bytes(plan));
      expect(await storage.hasExecutionPlanSnapshot(snapshotId)).toBe(true);
      expect(await storage.hasExecutionPlanSnapshot('nope')).toBe(false);
      if (caps.canDeleteRuns) {
        await storage.wipe();
        expect(await storage.hasExecutionPlanSnapshot(snapshotId)).toBe(false);
      }
    });

    it('test_fetch_run_filter: run_ids filter and count', async () => {
      const [one, two] = [makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: one, jobName: 'some_pipeline', status: DagsterRunStatus.SUCCESS }));
      await storage.addRun(buildRun({ runId: two, jobName: 'some_pipeline', status: DagsterRunStatus.SUCCESS }));
      expect(await storage.getRuns()).toHaveLength(2);
      const filter = new RunsFilter({ runIds: [one, two] });
      expect(new Set(runIdsOf(await storage.getRuns(filter)))).toEqual(new Set([one, two]));
      expect(await storage.getRunsCount(filter)).toBe(2);
    });

    it('test_fetch_run_group: the group of a root or of any descendant', async () => {
      const root = buildRun({ runId: makeNewRunId(), jobName: 'foo_job' });
      const runs = [root];
      // Three children of the root, and three descendants of the last child.
      for (let i = 0; i < 3; i++) {
        runs.push(
          buildRun({
            runId: makeNewRunId(),
            jobName: 'foo_job',
            rootRunId: root.runId,
            parentRunId: root.runId,
            tags: { [RUN_TAGS.PARENT_RUN_ID]: root.runId, [RUN_TAGS.ROOT_RUN_ID]: root.runId },
          }),
        );
      }
      for (let i = 0; i < 3; i++) {
        const previous = runs[runs.length - 1]!;
        const rootRunId = previous.rootRunId ?? previous.runId;
        runs.push(
          buildRun({
            runId: makeNewRunId(),
            jobName: 'foo_job',
            rootRunId,
            parentRunId: previous.runId,
            tags: { [RUN_TAGS.PARENT_RUN_ID]: previous.runId, [RUN_TAGS.ROOT_RUN_ID]: rootRunId },
          }),
        );
      }
      for (const run of runs) await storage.addRun(run);

      const [rootOne, groupOne] = await storage.getRunGroup(root.runId);
      const [rootTwo, groupTwo] = await storage.getRunGroup(runs[runs.length - 1]!.runId);
      expect(rootOne).toBe(root.runId);
      expect(rootTwo).toBe(root.runId);
      expect(groupOne).toHaveLength(7);
      expect(groupTwo).toHaveLength(7);
      expect(groupOne[0]!.runId).toBe(root.runId);
      const allIds = runIdsOf(runs).sort();
      expect(runIdsOf(groupOne).sort()).toEqual(allIds);
      expect(runIdsOf(groupTwo).sort()).toEqual(allIds);
    });

    it('test_fetch_run_group_not_found: an unknown run is RunNotFoundError', async () => {
      await storage.addRun(buildRun({ runId: makeNewRunId(), jobName: 'foo_job' }));
      const unknown = makeNewRunId();
      await expect(storage.getRunGroup(unknown)).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(storage.getRunGroup(unknown)).rejects.toMatchObject({ runId: unknown });
    });

    it('test_partition_status: the latest run of each partition', async () => {
      const partitioned = (jobName: string, partition: string, status: DagsterRunStatus): DagsterRun =>
        buildRun({
          runId: makeNewRunId(),
          jobName,
          status,
          tags: { [RUN_TAGS.PARTITION_NAME]: partition, [RUN_TAGS.PARTITION_SET]: 'foo_set' },
        });
      const one = partitioned('foo_job', 'one', DagsterRunStatus.FAILURE);
      const two = partitioned('foo_job', 'two', DagsterRunStatus.FAILURE);
      const twoRetried = partitioned('foo_job', 'two', DagsterRunStatus.SUCCESS);
      const three = partitioned('foo_job', 'three', DagsterRunStatus.SUCCESS);
      const wrongJob = partitioned('bar_job', 'ignorable', DagsterRunStatus.SUCCESS);
      for (const run of [one, two, twoRetried, three, wrongJob]) await storage.addRun(run);

      const data = await storage.getRunPartitionData(new RunsFilter({ jobName: 'foo_job', tags: { [RUN_TAGS.PARTITION_SET]: 'foo_set' } }));
      expect(data).toHaveLength(3);
      expect(new Set(data.map((d) => d.partition))).toEqual(new Set(['one', 'two', 'three']));
      expect(new Set(data.map((d) => d.runId))).toEqual(new Set([one.runId, twoRetried.runId, three.runId]));
      const byPartition = new Map(data.map((d) => [d.partition, d]));
      expect(byPartition.get('two')!.status).toBe(DagsterRunStatus.SUCCESS);
      expect(byPartition.get('one')!.status).toBe(DagsterRunStatus.FAILURE);
    });

    // -------------------------------------------------------------- daemon heartbeats

    it('test_empty_heartbeat: no heartbeats at first', async () => {
      expect(await storage.getDaemonHeartbeats()).toEqual(new Map());
    });

    it('test_add_heartbeat: insert, then update by daemon type', async () => {
      const added = new DaemonHeartbeat({ timestamp: 1000.0, daemonType: 'SENSOR', daemonId: null, errors: [] });
      await storage.addDaemonHeartbeat(added);
      let heartbeats = await storage.getDaemonHeartbeats();
      expect(heartbeats.size).toBe(1);
      expect(bytes(heartbeats.get('SENSOR'))).toBe(bytes(added));

      const second = new DaemonHeartbeat({ timestamp: 2000.0, daemonType: 'SENSOR', daemonId: null, errors: [] });
      await storage.addDaemonHeartbeat(second);
      heartbeats = await storage.getDaemonHeartbeats();
      expect(heartbeats.size).toBe(1);
      expect(bytes(heartbeats.get('SENSOR'))).toBe(bytes(second));
    });

    it.runIf(caps.canDeleteRuns)('test_wipe_heartbeats: wipe_daemon_heartbeats removes them', async () => {
      await storage.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: 1000.0, daemonType: 'SENSOR', daemonId: null, errors: [] }));
      await storage.wipeDaemonHeartbeats();
      expect(await storage.getDaemonHeartbeats()).toEqual(new Map());
    });

    // -------------------------------------------------------------- backfills

    it('test_get_runs_not_in_backfills: exclude_subruns leaves out runs of backfills', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      const backfill = buildBackfill('one');
      await storage.addBackfill(backfill);
      const inBackfill = makeNewRunId();
      await storage.addRun(
        buildRun({ runId: inBackfill, jobName: 'some_pipeline', status: DagsterRunStatus.SUCCESS, tags: { [RUN_TAGS.BACKFILL_ID]: backfill.backfillId } }),
      );
      const notInBackfill = makeNewRunId();
      await storage.addRun(buildRun({ runId: notInBackfill, jobName: 'some_pipeline', status: DagsterRunStatus.SUCCESS }));
      expect(await storage.getRuns()).toHaveLength(2);
      expect(recordRunIds(await storage.getRunRecords(new RunsFilter({ excludeSubruns: true })))).toEqual([notInBackfill]);
      expect(await storage.getRunsCount(new RunsFilter({ excludeSubruns: true }))).toBe(1);
    });

    it('test_backfill: add, list, get, update, and the old status parameter', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      const one = buildBackfill('one');
      await storage.addBackfill(one);
      expect(await storage.getBackfills()).toHaveLength(1);
      expect(await storage.getBackfills(undefined, undefined, undefined, BulkActionStatus.REQUESTED)).toHaveLength(1);
      expect(bytes(await storage.getBackfill(one.backfillId))).toBe(bytes(one));
      expect(await storage.getBackfill('missing')).toBeUndefined();

      await storage.updateBackfill(one.withStatus(BulkActionStatus.COMPLETED_SUCCESS));
      expect(await storage.getBackfills()).toHaveLength(1);
      expect(await storage.getBackfills(undefined, undefined, undefined, BulkActionStatus.REQUESTED)).toHaveLength(0);
      expect((await storage.getBackfill(one.backfillId))!.status).toBe(BulkActionStatus.COMPLETED_SUCCESS);
    });

    it('test_backfill_status_filtering: statuses, one or several', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      let one = buildBackfill('one');
      await storage.addBackfill(one);
      const requested = new BulkActionsFilter({ statuses: [BulkActionStatus.REQUESTED] });
      const success = new BulkActionsFilter({ statuses: [BulkActionStatus.COMPLETED_SUCCESS] });
      const multi = new BulkActionsFilter({ statuses: [BulkActionStatus.COMPLETED_SUCCESS, BulkActionStatus.REQUESTED] });

      expect(bytes((await backfillsWithCount(requested, 1))[0])).toBe(bytes(one));
      await backfillsWithCount(success, 0);
      await backfillsWithCount(multi, 1);

      await storage.updateBackfill(one.withStatus(BulkActionStatus.COMPLETED_SUCCESS));
      one = (await storage.getBackfill(one.backfillId))!;
      await backfillsWithCount(requested, 0);
      expect(bytes((await backfillsWithCount(success, 1))[0])).toBe(bytes(one));
      await backfillsWithCount(multi, 1);

      await storage.addBackfill(buildBackfill('two'));
      await backfillsWithCount(multi, 2);
    });

    it('test_backfill_created_time_filtering: created_before / created_after are strict', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      const base = 1_700_000_000;
      const all: PartitionBackfill[] = [];
      for (let i = 0; i < 5; i++) {
        const backfill = buildBackfill(`backfill_${i}`, { backfillTimestamp: base + i * 1.5 });
        await storage.addBackfill(backfill);
        all.push(backfill);
      }
      const middle = new Date(all[2]!.backfillTimestamp * 1000);
      const before = await backfillsWithCount(new BulkActionsFilter({ createdBefore: middle }), 2);
      for (const backfill of before) expect(backfill.backfillTimestamp).toBeLessThan(all[2]!.backfillTimestamp);
      const after = await backfillsWithCount(new BulkActionsFilter({ createdAfter: middle }), 2);
      for (const backfill of after) expect(backfill.backfillTimestamp).toBeGreaterThan(all[2]!.backfillTimestamp);
    });

    it.runIf(caps.supportsBackfillTagsFilteringQueries)('test_backfill_simple_tags_filtering: tags, exact and lists', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      const backfill = buildBackfill('backfill_1', { tags: { foo: 'bar', letter: 'z' } });
      await storage.addBackfill(backfill);
      await storage.addRun(
        buildRun({
          runId: makeNewRunId(),
          jobName: 'some_pipeline',
          status: DagsterRunStatus.SUCCESS,
          tags: { foo: 'bar', letter: 'z', [RUN_TAGS.BACKFILL_ID]: backfill.backfillId },
        }),
      );
      let found = await backfillsWithCount(new BulkActionsFilter({ tags: { foo: 'bar' } }), 1);
      expect(found[0]!.backfillId).toBe(backfill.backfillId);
      expect(found[0]!.tags).toEqual(backfill.tags);
      found = await backfillsWithCount(new BulkActionsFilter({ tags: { letter: ['x', 'y', 'z'] } }), 1);
      expect(found[0]!.backfillId).toBe(backfill.backfillId);
      expect(found[0]!.tags).toEqual(backfill.tags);
      await backfillsWithCount(new BulkActionsFilter({ tags: { not: 'present' } }), 0);
      await backfillsWithCount(new BulkActionsFilter({ tags: { foo: 'no' } }), 0);
    });

    it.runIf(caps.supportsBackfillTagsFilteringQueries)('test_backfill_tags_on_runs_not_backfills_filtering: tags only on runs do not match', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      const backfill = buildBackfill('backfill_1', { tags: { foo: 'bar' } });
      await storage.addBackfill(backfill);
      await storage.addRun(
        buildRun({
          runId: makeNewRunId(),
          jobName: 'some_pipeline',
          status: DagsterRunStatus.SUCCESS,
          tags: { foo: 'bar', baz: 'qux', letter: 'z', [RUN_TAGS.BACKFILL_ID]: backfill.backfillId },
        }),
      );
      await backfillsWithCount(new BulkActionsFilter({ tags: { baz: 'qux' } }), 0);
      await backfillsWithCount(new BulkActionsFilter({ tags: { letter: ['x', 'y', 'z'] } }), 0);
    });

    it.runIf(caps.supportsBackfillTagsFilteringQueries)('test_backfill_tags_filtering_multiple_results: AND over tags, list values', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      for (let i = 0; i < 3; i++) {
        const sharedTags = { foo: 'bar', iter: String(i), even: i % 2 === 0 ? 'True' : 'False' };
        const backfill = buildBackfill(`backfill_${i}`, { tags: sharedTags });
        await storage.addBackfill(backfill);
        await storage.addRun(
          buildRun({
            runId: makeNewRunId(),
            jobName: 'some_pipeline',
            status: DagsterRunStatus.SUCCESS,
            tags: { ...sharedTags, letter: 'z', [RUN_TAGS.BACKFILL_ID]: backfill.backfillId },
          }),
        );
      }
      await backfillsWithCount(new BulkActionsFilter({ tags: { foo: 'bar' } }), 3);
      await backfillsWithCount(new BulkActionsFilter({ tags: { letter: ['x', 'y', 'z'] } }), 0);
      await backfillsWithCount(new BulkActionsFilter({ tags: { even: 'True' } }), 2);
      await backfillsWithCount(new BulkActionsFilter({ tags: { iter: ['1', '2'] } }), 2);
      const both = await backfillsWithCount(new BulkActionsFilter({ tags: { iter: ['1', '2'], even: 'True' } }), 1);
      expect(both[0]!.backfillId).toBe('backfill_2');
      await backfillsWithCount(new BulkActionsFilter({ tags: { not: 'present' } }), 0);
    });

    it.runIf(caps.supportsBackfillJobNameFilteringQueries)('test_backfill_simple_job_name_filtering: job name of a partition set backfill', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      const backfill = buildBackfill('backfill_1');
      await storage.addBackfill(backfill);
      await storage.addRun(
        buildRun({ runId: makeNewRunId(), jobName: 'fake', status: DagsterRunStatus.SUCCESS, tags: { [RUN_TAGS.BACKFILL_ID]: backfill.backfillId } }),
      );
      // A run of another job, in no backfill.
      await storage.addRun(buildRun({ runId: makeNewRunId(), jobName: 'a_different_pipeline', status: DagsterRunStatus.SUCCESS }));
      const forJob = await backfillsWithCount(new BulkActionsFilter({ jobName: 'fake' }), 1);
      expect(forJob[0]!.backfillId).toBe(backfill.backfillId);
      await backfillsWithCount(new BulkActionsFilter({ jobName: 'a_different_pipeline' }), 0);
    });

    it.runIf(caps.supportsBackfillIdFilteringQueries)('test_backfill_id_filtering: backfill_ids', async () => {
      expect(await storage.getBackfills()).toHaveLength(0);
      const backfill = buildBackfill('backfill_1');
      await storage.addBackfill(backfill);
      await storage.addBackfill(buildBackfill('backfill_2'));
      await storage.addRun(
        buildRun({ runId: makeNewRunId(), jobName: 'fake', status: DagsterRunStatus.SUCCESS, tags: { [RUN_TAGS.BACKFILL_ID]: backfill.backfillId } }),
      );
      const forId = await backfillsWithCount(new BulkActionsFilter({ backfillIds: [backfill.backfillId] }), 1);
      expect(forId[0]!.backfillId).toBe(backfill.backfillId);
    });

    it.runIf(caps.hasSecondaryIndexes)('test_secondary_index: every required data migration is built on a fresh storage', async () => {
      for (const name of REQUIRED_DATA_MIGRATIONS) expect(await storage.hasBuiltIndex(name), name).toBe(true);
      expect(await storage.hasBuiltIndex('no_such_migration')).toBe(false);
    });

    // -------------------------------------------------------------- run events

    it('test_handle_run_event_job_success_test: run events move the status of their run only', async () => {
      const runId = makeNewRunId();
      await storage.addRun(buildRun({ jobName: 'pipeline_name', runId }));
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_START, 'pipeline_name'));
      expect((await requireRun(storage, runId)).status).toBe(DagsterRunStatus.STARTED);
      // An event of another (unknown) run changes nothing and is no error.
      await storage.handleRunEvent(makeNewRunId(), runEvent(DagsterEventType.RUN_SUCCESS, 'pipeline_name'));
      expect((await requireRun(storage, runId)).status).toBe(DagsterRunStatus.STARTED);
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_SUCCESS, 'pipeline_name'));
      expect((await requireRun(storage, runId)).status).toBe(DagsterRunStatus.SUCCESS);
    });

    it('test_debug_snapshot_import: add_snapshot stores under a custom id', async () => {
      await storage.addRun(buildRun({ jobName: 'pipeline_name', runId: makeNewRunId() }));
      const snapshot = jobSnapshot('some_pipeline');
      const snapshotId = createSnapshotId(snapshot);
      const newSnapshotId = `${snapshotId}-new-snapshot`;
      expect(await storage.addSnapshot(snapshot, newSnapshotId)).toBe(newSnapshotId);
      expect(await storage.hasSnapshot(snapshotId)).toBe(false);
      expect(await storage.hasSnapshot(newSnapshotId)).toBe(true);
      expect(bytes(await storage.getJobSnapshot(newSnapshotId))).toBe(bytes(snapshot));

      const plan = executionPlanSnapshot(newSnapshotId);
      const planId = createSnapshotId(plan);
      const newPlanId = `${planId}-new-snapshot`;
      expect(await storage.addSnapshot(plan, newPlanId)).toBe(newPlanId);
      expect(await storage.hasSnapshot(planId)).toBe(false);
      expect(await storage.hasSnapshot(newPlanId)).toBe(true);
      expect(bytes(await storage.getExecutionPlanSnapshot(newPlanId))).toBe(bytes(plan));
    });

    it('test_run_record_stats: start_time on PIPELINE_START, end_time on PIPELINE_SUCCESS', async () => {
      const runId = makeNewRunId();
      await storage.addRun(buildRun({ jobName: 'pipeline_name', runId }));
      const record = async (): Promise<RunRecord> => (await storage.getRunRecords(new RunsFilter({ runIds: [runId] })))[0]!;
      expect((await record()).startTime).toBeNull();
      expect((await record()).endTime).toBeNull();
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_START, 'pipeline_name'));
      expect((await record()).startTime).not.toBeNull();
      expect((await record()).endTime).toBeNull();
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_SUCCESS, 'pipeline_name'));
      const ended = await record();
      expect(ended.startTime).not.toBeNull();
      expect(ended.endTime).not.toBeNull();
      expect(ended.endTime!).toBeGreaterThanOrEqual(ended.startTime!);
    });

    it('test_run_record_timestamps: start and end times are the event times', async () => {
      // Dagster executes a job under freeze_time(2019-11-02); the run events carry that time.
      const frozen = new Date(Date.UTC(2019, 10, 2, 0, 0, 0));
      const runId = makeNewRunId();
      await storage.addRun(buildRun({ jobName: 'my_job', runId }));
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_STARTING, 'my_job'), frozen);
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_START, 'my_job'), frozen);
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_SUCCESS, 'my_job'), frozen);
      const records = await storage.getRunRecords(new RunsFilter({ runIds: [runId] }));
      expect(records).toHaveLength(1);
      expect(records[0]!.startTime).toBe(frozen.getTime() / 1000);
      expect(records[0]!.endTime).toBe(frozen.getTime() / 1000);
      expect(records[0]!.updateTimestamp.getTime()).toBe(frozen.getTime());
      expect(records[0]!.dagsterRun.status).toBe(DagsterRunStatus.SUCCESS);
    });

    it('test_migrate_repo: replace_job_origin moves a run to another repository', async () => {
      const [one, two] = [makeNewRunId(), makeNewRunId()];
      const jobName = 'some_job';
      const originOne = fakeJobOrigin(jobName, 'fake_repo_one');
      const originTwo = fakeJobOrigin(jobName, 'fake_repo_two');
      await storage.addRun(buildRun({ runId: one, jobName, remoteJobOrigin: originOne }));
      await storage.addRun(buildRun({ runId: two, jobName, remoteJobOrigin: originOne }));
      const byLabel = (label: string): Promise<DagsterRun[]> => storage.getRuns(new RunsFilter({ tags: { [RUN_TAGS.REPOSITORY_LABEL]: label } }));

      let oneRuns = await byLabel('fake_repo_one@fake:fake');
      expect(oneRuns).toHaveLength(2);
      expect(await byLabel('fake_repo_two@fake:fake')).toHaveLength(0);

      await storage.replaceJobOrigin(oneRuns[1]!, originTwo);
      oneRuns = await byLabel('fake_repo_one@fake:fake');
      expect(runIdsOf(oneRuns)).toEqual([two]);
      const twoRuns = await byLabel('fake_repo_two@fake:fake');
      expect(runIdsOf(twoRuns)).toEqual([one]);
      expect(twoRuns[0]!.tags[RUN_TAGS.REPOSITORY_LABEL]).toBe('fake_repo_two@fake:fake');
      expect(bytes(twoRuns[0]!.remoteJobOrigin)).toBe(bytes(originTwo));
    });

    // -------------------------------------------------------------- inst: more of the contract

    it('status updates: non-status events are ignored; the status column wins and the body follows', async () => {
      const runId = makeNewRunId();
      await storage.addRun(buildRun({ runId, jobName: 'job', remoteJobOrigin: fakeJobOrigin('job') }));
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.STEP_START, 'job'));
      await storage.handleRunEvent(runId, runEvent(DagsterEventType.RUN_DEQUEUED, 'job'));
      expect((await requireRun(storage, runId)).status).toBe(DagsterRunStatus.NOT_STARTED);
      for (const [eventType, status] of [
        [DagsterEventType.RUN_ENQUEUED, DagsterRunStatus.QUEUED],
        [DagsterEventType.RUN_STARTING, DagsterRunStatus.STARTING],
        [DagsterEventType.RUN_START, DagsterRunStatus.STARTED],
        [DagsterEventType.RUN_CANCELING, DagsterRunStatus.CANCELING],
        [DagsterEventType.RUN_CANCELED, DagsterRunStatus.CANCELED],
      ] as const) {
        await storage.handleRunEvent(runId, runEvent(eventType, 'job'));
        expect((await requireRun(storage, runId)).status).toBe(status);
        expect(await storage.getRunIds(new RunsFilter({ statuses: [status] }))).toEqual([runId]);
      }
      const record = (await storage.getRunRecords(new RunsFilter({ runIds: [runId] })))[0]!;
      expect(record.endTime).not.toBeNull();
    });

    it('add_run_tags keeps the partition columns in step: partition data and filters see new partition tags', async () => {
      const runId = makeNewRunId();
      await storage.addRun(buildRun({ runId, jobName: 'foo_job', status: DagsterRunStatus.SUCCESS }));
      expect(await storage.getRunPartitionData(new RunsFilter({ jobName: 'foo_job' }))).toEqual([]);
      await storage.addRunTags(runId, { [RUN_TAGS.PARTITION_NAME]: 'p1', [RUN_TAGS.PARTITION_SET]: 'foo_set' });
      const data = await storage.getRunPartitionData(new RunsFilter({ jobName: 'foo_job' }));
      expect(data.map((d) => [d.runId, d.partition, d.status])).toEqual([[runId, 'p1', DagsterRunStatus.SUCCESS]]);
    });

    it('tags for storage: the repository label is indexed with the run tags', async () => {
      await storage.addRun(buildRun({ runId: makeNewRunId(), jobName: 'job', tags: { owner: 'me' }, remoteJobOrigin: fakeJobOrigin('job', 'repo') }));
      expect(await storage.getRunTagKeys()).toEqual([RUN_TAGS.REPOSITORY_LABEL, 'owner']);
      expect(await storage.getRunTags([RUN_TAGS.REPOSITORY_LABEL])).toEqual([[RUN_TAGS.REPOSITORY_LABEL, new Set(['repo@fake:fake'])]]);
    });

    it('order_by: any runs column, either direction', async () => {
      const [a, b, c] = [makeNewRunId(), makeNewRunId(), makeNewRunId()];
      await storage.addRun(buildRun({ runId: a, jobName: 'job_b' }));
      await storage.addRun(buildRun({ runId: b, jobName: 'job_c' }));
      await storage.addRun(buildRun({ runId: c, jobName: 'job_a' }));
      expect(recordRunIds(await storage.getRunRecords(undefined, undefined, 'pipeline_name', true))).toEqual([c, a, b]);
      expect(recordRunIds(await storage.getRunRecords(undefined, undefined, 'pipeline_name', false))).toEqual([b, a, c]);
      expect(recordRunIds(await storage.getRunRecords(undefined, 2, 'pipeline_name', true))).toEqual([c, a]);
    });

    it.runIf(caps.supportsBackfillsCount)('backfills: pagination by backfill id cursor, newest first; counts', async () => {
      for (let i = 0; i < 5; i++) await storage.addBackfill(buildBackfill(`bf_${i}`, { backfillTimestamp: 1_700_000_000 + i }));
      const ids = async (cursor?: string, limit?: number): Promise<string[]> => (await storage.getBackfills(undefined, cursor, limit)).map((b) => b.backfillId);
      expect(await ids()).toEqual(['bf_4', 'bf_3', 'bf_2', 'bf_1', 'bf_0']);
      expect(await ids(undefined, 2)).toEqual(['bf_4', 'bf_3']);
      expect(await ids('bf_3', 2)).toEqual(['bf_2', 'bf_1']);
      expect(await ids('bf_0')).toEqual([]);
      expect(await storage.getBackfillsCount()).toBe(5);
      expect(await storage.getBackfillsCount(new BulkActionsFilter({ statuses: [BulkActionStatus.REQUESTED] }))).toBe(5);
    });

    it('kvs: cursor values are upserted in bulk and read by key', async () => {
      expect(await storage.getCursorValues(['a', 'b'])).toEqual(new Map());
      await storage.setCursorValues({ a: '1', b: '2' });
      expect(await storage.getCursorValues(['a', 'b', 'c'])).toEqual(new Map([['a', '1'], ['b', '2']]));
      await storage.setCursorValues({ b: '3', c: '4' });
      expect(await storage.getCursorValues(new Set(['a', 'b', 'c']))).toEqual(new Map([['a', '1'], ['b', '3'], ['c', '4']]));
      expect(await storage.getCursorValues([])).toEqual(new Map());
    });

    it('bucket queries: the newest runs of each job', async () => {
      expect(storage.supportsBucketQueries).toBe(true);
      const runsOf: Record<string, string[]> = { a: [], b: [], c: [] };
      for (const [jobName, count] of [['a', 3], ['b', 2], ['c', 1]] as const) {
        for (let i = 0; i < count; i++) {
          const runId = makeNewRunId();
          await storage.addRun(buildRun({ runId, jobName }));
          runsOf[jobName]!.push(runId);
        }
      }
      const bucketed = await storage.getRuns(undefined, undefined, undefined, { jobNames: ['a', 'b'], bucketLimit: 2 });
      expect(bucketed).toHaveLength(4);
      // Rank 1 of each bucket comes first.
      expect(new Set(runIdsOf(bucketed.slice(0, 2)))).toEqual(new Set([runsOf.a![2], runsOf.b![1]]));
      expect(new Set(runIdsOf(bucketed))).toEqual(new Set([runsOf.a![2], runsOf.a![1], runsOf.b![1], runsOf.b![0]]));
      const records = await storage.getRunRecords(undefined, undefined, undefined, false, undefined, { jobNames: ['a', 'c'] });
      expect(new Set(recordRunIds(records))).toEqual(new Set([...runsOf.a!, ...runsOf.c!]));
      await expect(storage.getRuns(undefined, undefined, 1, { jobNames: ['a'] })).rejects.toBeInstanceOf(InvalidArgumentError);
    });

    it('bucket queries: the newest runs of each tag value, with filters', async () => {
      const runsOf: Record<string, string[]> = { x: [], y: [], z: [] };
      for (const [team, count] of [['x', 3], ['y', 2], ['z', 1]] as const) {
        for (let i = 0; i < count; i++) {
          const runId = makeNewRunId();
          await storage.addRun(buildRun({ runId, jobName: 'job', tags: { team, parity: i % 2 === 0 ? 'even' : 'odd' } }));
          runsOf[team]!.push(runId);
        }
      }
      const newest = await storage.getRuns(undefined, undefined, undefined, { tagKey: 'team', tagValues: ['x', 'y'], bucketLimit: 1 });
      expect(new Set(runIdsOf(newest))).toEqual(new Set([runsOf.x![2], runsOf.y![1]]));
      const evenOnly = await storage.getRuns(new RunsFilter({ tags: { parity: 'even' } }), undefined, undefined, {
        tagKey: 'team',
        tagValues: ['x', 'y', 'z'],
        bucketLimit: 1,
      });
      expect(new Set(runIdsOf(evenOnly))).toEqual(new Set([runsOf.x![2], runsOf.y![0], runsOf.z![0]]));
    });

    // -------------------------------------------------------------- inst: typed errors

    it('errors: unknown runs, snapshots and backfills', async () => {
      const unknown = makeNewRunId();
      await expect(storage.addRunTags(unknown, { a: 'b' })).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(storage.replaceJobOrigin(buildRun({ runId: unknown, jobName: 'job' }), fakeJobOrigin('job'))).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(storage.getJobSnapshot('nope')).rejects.toBeInstanceOf(SnapshotNotFoundError);
      await expect(storage.getExecutionPlanSnapshot('nope')).rejects.toBeInstanceOf(SnapshotNotFoundError);
      await expect(storage.updateBackfill(buildBackfill('missing'))).rejects.toBeInstanceOf(BackfillNotFoundError);
      expect(await storage.getBackfill('missing')).toBeUndefined();
      // Deleting what is not there is not an error (as in Dagster).
      await storage.deleteRun(unknown);
    });

    it('errors: a job snapshot id naming an execution plan is SnapshotNotFoundError', async () => {
      const planId = await storage.addExecutionPlanSnapshot(executionPlanSnapshot('x'));
      await expect(storage.getJobSnapshot(planId)).rejects.toBeInstanceOf(SnapshotNotFoundError);
      const jobId = await storage.addJobSnapshot(jobSnapshot('x'));
      await expect(storage.getExecutionPlanSnapshot(jobId)).rejects.toBeInstanceOf(SnapshotNotFoundError);
    });

    it('errors: cursors that name nothing are InvalidCursorError', async () => {
      await storage.addRun(buildRun({ runId: makeNewRunId(), jobName: 'job' }));
      await expect(storage.getRuns(undefined, 'no-such-run')).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(storage.getRunIds(undefined, 'no-such-run')).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(storage.getRunRecords(undefined, undefined, undefined, false, 'no-such-run')).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(storage.getBackfills(undefined, 'no-such-backfill')).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('errors: malformed filters and arguments', async () => {
      await storage.addRun(buildRun({ runId: makeNewRunId(), jobName: 'job' }));
      const badStatus = new RunsFilter({ statuses: ['NOPE' as DagsterRunStatus] });
      await expect(storage.getRuns(badStatus)).rejects.toBeInstanceOf(InvalidFilterError);
      await expect(storage.getRunsCount(badStatus)).rejects.toBeInstanceOf(InvalidFilterError);
      const badTag = new RunsFilter({ tags: { a: 1 as unknown as string } });
      await expect(storage.getRuns(badTag)).rejects.toBeInstanceOf(InvalidFilterError);
      await expect(storage.getRuns(new RunsFilter({ createdAfter: new Date(Number.NaN) }))).rejects.toBeInstanceOf(InvalidFilterError);
      await expect(storage.getRunRecords(undefined, undefined, 'run_body; DROP TABLE runs')).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(storage.getRuns(undefined, undefined, -1)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(storage.getBackfills(new BulkActionsFilter({ statuses: ['NOPE' as BulkActionStatus] }))).rejects.toBeInstanceOf(InvalidFilterError);
      await expect(
        storage.getBackfills(new BulkActionsFilter({ statuses: [BulkActionStatus.REQUESTED] }), undefined, undefined, BulkActionStatus.REQUESTED),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(storage.addRunTags('x', { a: 2 as unknown as string })).rejects.toBeInstanceOf(InvalidArgumentError);
      // The runs table survived the attempted injection.
      expect(await storage.getRunsCount()).toBe(1);
    });

    it('errors: a storage used after dispose is DisposedError; dispose twice is safe', async () => {
      const other = await options.create();
      await other.dispose();
      await other.dispose();
      await expect(other.getRuns()).rejects.toBeInstanceOf(DisposedError);
      await expect(other.addRun(buildRun({ runId: makeNewRunId(), jobName: 'job' }))).rejects.toBeInstanceOf(DisposedError);
    });

    // -------------------------------------------------------------- inst: nothing half-written

    it('atomic: a duplicate run writes none of its tags and leaves the first run as it was', async () => {
      const runId = makeNewRunId();
      const first = buildRun({ runId, jobName: 'job', tags: { a: '1' } });
      await storage.addRun(first);
      await expect(storage.addRun(buildRun({ runId, jobName: 'other_job', tags: { a: '2', b: '3' } }))).rejects.toBeInstanceOf(RunAlreadyExistsError);
      expect(bytes(await getRunById(storage, runId))).toBe(bytes(first));
      expect(await storage.getRunTagKeys()).toEqual(['a']);
      expect(await storage.getRunTags(['a'])).toEqual([['a', new Set(['1'])]]);
      expect(await storage.getRunsCount()).toBe(1);
    });

    it('atomic: a duplicate backfill writes none of its tags', async () => {
      await storage.addBackfill(buildBackfill('dup', { tags: { a: '1' } }));
      await expect(storage.addBackfill(buildBackfill('dup', { tags: { a: '2' } }))).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
      expect((await storage.getBackfills()).map((b) => b.tags)).toEqual([{ a: '1' }]);
      if (caps.supportsBackfillTagsFilteringQueries) expect(await storage.getBackfills(new BulkActionsFilter({ tags: { a: '2' } }))).toEqual([]);
    });

    it('alembic version: a revision and the head', async () => {
      const version = await storage.alembicVersion();
      expect(version).toBeDefined();
      expect(typeof version!.head).toBe('string');
    });
  });
}
