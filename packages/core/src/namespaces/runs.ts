import type { DagsterRun, RunsFilter } from '@inst/types';
import type { Instance } from '../instance';
import { DEFAULT_PAGE_SIZE, type P, type PageOptions, type R, compatible, pages } from './support';

/** A RunsFilter, or its init object (`{ statuses: [...], tags: {...} }`). */
export type RunsFilterLike = RunsFilter | ConstructorParameters<typeof RunsFilter>[0];

/** Options of `runs.list` (the flat `getRuns`). */
export interface RunsListOptions {
  filters?: RunsFilterLike;
  /** The run id after which to start. */
  cursor?: P<'getRuns'>[1];
  limit?: P<'getRuns'>[2];
  bucketBy?: P<'getRuns'>[3];
  ascending?: P<'getRuns'>[4];
}

/** Options of `runs.records` (the flat `getRunRecords`). */
export interface RunsRecordsOptions {
  filters?: RunsFilterLike;
  limit?: P<'getRunRecords'>[1];
  orderBy?: P<'getRunRecords'>[2];
  ascending?: P<'getRunRecords'>[3];
  cursor?: P<'getRunRecords'>[4];
  bucketBy?: P<'getRunRecords'>[5];
}

/** Options of `runs.iterate`: every matching run, a page at a time. */
export interface RunsIterateOptions extends PageOptions {
  filters?: RunsFilterLike;
  ascending?: boolean;
}

/** Options of `runs.createForJob` (the flat `createRunForJob`'s parameters by name). */
export interface RunsCreateForJobOptions {
  jobDef: P<'createRunForJob'>[0];
  executionPlan?: P<'createRunForJob'>[1];
  runId?: P<'createRunForJob'>[2];
  runConfig?: P<'createRunForJob'>[3];
  resolvedOpSelection?: P<'createRunForJob'>[4];
  status?: P<'createRunForJob'>[5];
  tags?: P<'createRunForJob'>[6];
  rootRunId?: P<'createRunForJob'>[7];
  parentRunId?: P<'createRunForJob'>[8];
  opSelection?: P<'createRunForJob'>[9];
  assetSelection?: P<'createRunForJob'>[10];
  remoteJobOrigin?: P<'createRunForJob'>[11];
  jobCodeOrigin?: P<'createRunForJob'>[12];
  repositoryLoadData?: P<'createRunForJob'>[13];
}

/** Options of `runs.registerManaged` (the flat `registerManagedRun`'s parameters by name). */
export interface RunsRegisterManagedOptions {
  jobName: P<'registerManagedRun'>[0];
  runId: P<'registerManagedRun'>[1];
  runConfig?: P<'registerManagedRun'>[2];
  resolvedOpSelection?: P<'registerManagedRun'>[3];
  stepKeysToExecute?: P<'registerManagedRun'>[4];
  tags?: P<'registerManagedRun'>[5];
  rootRunId?: P<'registerManagedRun'>[6];
  parentRunId?: P<'registerManagedRun'>[7];
  jobSnapshot?: P<'registerManagedRun'>[8];
  executionPlanSnapshot?: P<'registerManagedRun'>[9];
  parentJobSnapshot?: P<'registerManagedRun'>[10];
  opSelection?: P<'registerManagedRun'>[11];
  jobCodeOrigin?: P<'registerManagedRun'>[12];
}

/** Runs: `instance.runs.create({ jobName })`, `.get(runId)`, `.list({ filters, limit })`, `.iterate({ signal })` … */
export function runsNamespace(instance: Instance) {
  return {
    /** The run coordinator. */
    get coordinator(): Instance['runCoordinator'] {
      return instance.runCoordinator;
    },
    /** The run launcher. */
    get launcher(): Instance['runLauncher'] {
      return instance.runLauncher;
    },
    /** Always false in OSS (`shouldStartBackgroundRunThread`). */
    get shouldStartBackgroundThread(): boolean {
      return instance.shouldStartBackgroundRunThread;
    },
    create: (options: P<'createRun'>[0]): R<'createRun'> => instance.createRun(options),
    createForJob: compatible(instance, 'createRunForJob', ['jobDef'], (o: RunsCreateForJobOptions): R<'createRunForJob'> =>
      instance.createRunForJob(o.jobDef, o.executionPlan, o.runId, o.runConfig, o.resolvedOpSelection, o.status, o.tags, o.rootRunId, o.parentRunId, o.opSelection, o.assetSelection, o.remoteJobOrigin, o.jobCodeOrigin, o.repositoryLoadData)),
    createReexecuted: (options: P<'createReexecutedRun'>[0]): R<'createReexecutedRun'> => instance.createReexecutedRun(options),
    registerManaged: compatible(instance, 'registerManagedRun', ['jobName', 'runId'], (o: RunsRegisterManagedOptions): R<'registerManagedRun'> =>
      instance.registerManagedRun(o.jobName, o.runId, o.runConfig ?? {}, o.resolvedOpSelection ?? null, o.stepKeysToExecute ?? null, o.tags ?? {}, o.rootRunId ?? null, o.parentRunId ?? null, o.jobSnapshot ?? null, o.executionPlanSnapshot ?? null, o.parentJobSnapshot ?? null, o.opSelection, o.jobCodeOrigin)),
    add: (run: P<'addRun'>[0]): R<'addRun'> => instance.addRun(run),
    get: (runId: string): R<'getRunById'> => instance.getRunById(runId),
    getRecord: (runId: string): R<'getRunRecordById'> => instance.getRunRecordById(runId),
    has: (runId: string): R<'hasRun'> => instance.hasRun(runId),
    list: compatible(instance, 'getRuns', ['filters', 'cursor', 'limit', 'bucketBy', 'ascending'], (o: RunsListOptions = {}): R<'getRuns'> =>
      instance.getRuns(o.filters as RunsFilter | undefined, o.cursor, o.limit, o.bucketBy, o.ascending)),
    /** Every run matching the filter, newest first unless `ascending`, read a page at a time; ends on the signal. */
    iterate: ({ filters, ascending = false, pageSize = DEFAULT_PAGE_SIZE, signal }: RunsIterateOptions = {}): AsyncGenerator<DagsterRun, void, undefined> =>
      pages(signal, async (cursor) => {
        const items = await instance.getRuns(filters as RunsFilter | undefined, cursor, pageSize, undefined, ascending);
        return { items, cursor: items.at(-1)?.runId, hasMore: items.length === pageSize };
      }),
    records: compatible(instance, 'getRunRecords', ['filters', 'limit', 'orderBy', 'ascending', 'cursor', 'bucketBy'], (o: RunsRecordsOptions = {}): R<'getRunRecords'> =>
      instance.getRunRecords(o.filters as RunsFilter | undefined, o.limit, o.orderBy, o.ascending, o.cursor, o.bucketBy)),
    ids: compatible(instance, 'getRunIds', ['filters', 'cursor', 'limit'], (o: Pick<RunsListOptions, 'filters' | 'cursor' | 'limit'> = {}): R<'getRunIds'> =>
      instance.getRunIds(o.filters as RunsFilter | undefined, o.cursor, o.limit)),
    count: compatible(instance, 'getRunsCount', ['filters'], (o: Pick<RunsListOptions, 'filters'> = {}): R<'getRunsCount'> => instance.getRunsCount(o.filters as RunsFilter | undefined)),
    delete: (runId: string): R<'deleteRun'> => instance.deleteRun(runId),
    addTags: compatible(instance, 'addRunTags', ['runId', 'newTags'], (o: { runId: P<'addRunTags'>[0]; newTags: P<'addRunTags'>[1] }): R<'addRunTags'> =>
      instance.addRunTags(o.runId, o.newTags)),
    tags: compatible(instance, 'getRunTags', ['tagKeys', 'valuePrefix', 'limit'], (o: { tagKeys: P<'getRunTags'>[0]; valuePrefix?: P<'getRunTags'>[1]; limit?: P<'getRunTags'>[2] }): R<'getRunTags'> =>
      instance.getRunTags(o.tagKeys, o.valuePrefix, o.limit)),
    tagKeys: (): R<'getRunTagKeys'> => instance.getRunTagKeys(),
    group: (runId: string): R<'getRunGroup'> => instance.getRunGroup(runId),
    stats: (runId: string): R<'getRunStats'> => instance.getRunStats(runId),
    stepStats: compatible(instance, 'getRunStepStats', ['runId', 'stepKeys'], (o: { runId: string; stepKeys?: P<'getRunStepStats'>[1] }): R<'getRunStepStats'> =>
      instance.getRunStepStats(o.runId, o.stepKeys)),
    partitionData: (runsFilter: P<'getRunPartitionData'>[0]): R<'getRunPartitionData'> => instance.getRunPartitionData(runsFilter),
    handleEvent: (o: { runId: P<'handleRunEvent'>[0]; event: P<'handleRunEvent'>[1]; updateTimestamp?: P<'handleRunEvent'>[2] }): R<'handleRunEvent'> =>
      instance.handleRunEvent(o.runId, o.event, o.updateTimestamp),
    submit: compatible(instance, 'submitRun', ['runId', 'workspace'], (o: { runId: string; workspace?: P<'submitRun'>[1] }): R<'submitRun'> =>
      instance.submitRun(o.runId, o.workspace)),
    launch: compatible(instance, 'launchRun', ['runId', 'workspace'], (o: { runId: string; workspace?: P<'launchRun'>[1] }): R<'launchRun'> =>
      instance.launchRun(o.runId, o.workspace)),
    resume: compatible(instance, 'resumeRun', ['runId', 'workspace', 'attemptNumber'], (o: { runId: string; workspace?: P<'resumeRun'>[1]; attemptNumber: P<'resumeRun'>[2] }): R<'resumeRun'> =>
      instance.resumeRun(o.runId, o.workspace, o.attemptNumber)),
    countResumeAttempts: (runId: string): R<'countResumeRunAttempts'> => instance.countResumeRunAttempts(runId),
    willResume: (runId: string): R<'runWillResume'> => instance.runWillResume(runId),
    reportCanceling: compatible(instance, 'reportRunCanceling', ['run', 'message'], (o: { run: P<'reportRunCanceling'>[0]; message?: P<'reportRunCanceling'>[1] }): R<'reportRunCanceling'> =>
      instance.reportRunCanceling(o.run, o.message)),
    reportCanceled: compatible(instance, 'reportRunCanceled', ['run', 'message'], (o: { run: P<'reportRunCanceled'>[0]; message?: P<'reportRunCanceled'>[1] }): R<'reportRunCanceled'> =>
      instance.reportRunCanceled(o.run, o.message)),
    reportFailed: compatible(instance, 'reportRunFailed', ['run', 'message', 'jobFailureData'], (o: { run: P<'reportRunFailed'>[0]; message?: P<'reportRunFailed'>[1]; jobFailureData?: P<'reportRunFailed'>[2] }): R<'reportRunFailed'> =>
      instance.reportRunFailed(o.run, o.message, o.jobFailureData)),
  };
}

export type RunsNamespace = ReturnType<typeof runsNamespace>;
