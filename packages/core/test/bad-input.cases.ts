import {
  AssetKey,
  AssetMaterialization,
  AssetObservation,
  AssetRecordsFilter,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  EventLogEntry,
  EventRecordsFilter,
  RunsFilter,
} from '@inst/types';
import type { Instance } from '../src/index';

/** What a case needs from the home it runs against (made once per file). */
export interface CaseContext {
  readonly instance: Instance;
  /** A run created before the cases run, with a readable log. */
  readonly run: DagsterRun;
}

/**
 * One bad (or borderline) input: `param` is the text the InvalidArgumentError must contain (the parameter), or
 * `accepted` when the value is legitimate and must be stored and read back exactly (`readBack` checks it).
 */
export interface InputCase {
  readonly name: string;
  readonly call: (ctx: CaseContext) => unknown;
  readonly param?: string;
  readonly accepted?: { readBack: (ctx: CaseContext, result: unknown) => Promise<void> | void };
}

const key = new AssetKey(['corr', 'asset']);
const LONE = 'a\ud800b';
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

function entry(overrides: Partial<ConstructorParameters<typeof EventLogEntry>[0]> = {}, runId = 'r'): EventLogEntry {
  return new EventLogEntry({ level: 20, userMessage: 'm', runId, timestamp: 1_700_000_000.5, ...overrides });
}

const bad = (name: string, param: string, call: InputCase['call']): InputCase => ({ name, param, call });

/** The bad-input table: each row gets an InvalidArgumentError naming the parameter and writes nothing. */
export const BAD_INPUT_CASES: readonly InputCase[] = [
  // --- events: the calls that bricked a run's log
  bad('reportEngineEvent with a number message', 'reportEngineEvent(message)', ({ instance, run }) => instance.reportEngineEvent(123 as never, run)),
  bad('reportEngineEvent with a lone-surrogate message', 'reportEngineEvent(message)', ({ instance, run }) => instance.reportEngineEvent(LONE, run)),
  bad('reportEngineEvent with a run that is a string', 'reportEngineEvent(dagsterRun)', ({ instance }) => instance.reportEngineEvent('m', 'run' as never)),
  bad('handleNewEvent(null)', 'handleNewEvent(event)', ({ instance }) => instance.handleNewEvent(null as never)),
  bad('handleNewEvent with a plain object', 'handleNewEvent(event)', ({ instance, run }) => instance.handleNewEvent({ runId: run.runId } as never)),
  bad('handleNewEvent with a number userMessage', 'handleNewEvent(event).userMessage', ({ instance, run }) => instance.handleNewEvent(entry({ userMessage: 5 as never }, run.runId))),
  bad('handleNewEvent with a NaN-free but string timestamp', 'handleNewEvent(event).timestamp', ({ instance, run }) => instance.handleNewEvent(entry({ timestamp: 'now' as never }, run.runId))),
  bad('handleNewEvent with an unknown option', 'handleNewEvent(options).batch', ({ instance, run }) => instance.handleNewEvent(entry({}, run.runId), { batch: 1 } as never)),
  bad('storeEvent with a lone surrogate in the step key', 'storeEvent(event).stepKey', ({ instance, run }) => instance.storeEvent(entry({ stepKey: LONE }, run.runId))),
  bad('reportDagsterEvent with an event type that is not a member', 'reportDagsterEvent(dagsterEvent).eventTypeValue', ({ instance, run }) =>
    instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: 'NOT_A_TYPE', jobName: run.jobName }), run.runId)),
  bad('reportDagsterEvent without a run id', 'reportDagsterEvent(runId)', ({ instance, run }) =>
    instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: run.jobName }), undefined as never)),
  bad('reportDagsterEvent with a NaN timestamp', 'reportDagsterEvent(timestamp)', ({ instance, run }) =>
    instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: run.jobName }), run.runId, 20, null, Number.NaN)),
  bad('addEventListener with a callback that is not a function', 'addEventListener(cb)', ({ instance, run }) => instance.addEventListener(run.runId, 'cb' as never)),
  bad('allLogs with a run id that is a number', 'allLogs(runId)', ({ instance }) => instance.allLogs(5 as never)),
  bad('allLogs with an event type that is not one', 'allLogs(ofType)', ({ instance, run }) => instance.allLogs(run.runId, 'NOPE' as never)),
  bad('logsAfter with a limit of -1', 'logsAfter(limit)', ({ instance, run }) => instance.logsAfter(run.runId, undefined, undefined, -1)),
  bad('logsAfter with a cursor of 1.5', 'logsAfter(cursor)', ({ instance, run }) => instance.logsAfter(run.runId, 1.5)),
  bad('getRecordsForRun with a cursor that does not parse', 'getRecordsForRun(cursor)', ({ instance, run }) => instance.getRecordsForRun(run.runId, 'not-a-cursor')),
  bad('getRecordsForRun with limit NaN', 'getRecordsForRun(limit)', ({ instance, run }) => instance.getRecordsForRun(run.runId, null, null, Number.NaN)),
  bad('getRecordsForRun with ascending "yes"', 'getRecordsForRun(ascending)', ({ instance, run }) => instance.getRecordsForRun(run.runId, null, null, 10, 'yes' as never)),
  bad('getEventRecords with a plain filter object', 'getEventRecords(eventRecordsFilter)', ({ instance }) => instance.getEventRecords({ eventType: DagsterEventType.ASSET_MATERIALIZATION } as never)),
  bad('getEventRecords with limit -1', 'getEventRecords(limit)', ({ instance }) => instance.getEventRecords(new EventRecordsFilter({ eventType: DagsterEventType.ASSET_MATERIALIZATION }), -1)),
  bad('getEventRecords with limit above the cap', 'getEventRecords(limit)', ({ instance }) => instance.getEventRecords(new EventRecordsFilter({ eventType: DagsterEventType.ASSET_MATERIALIZATION }), 10_001)),
  bad('fetchRunStatusChanges with a type that is not one', 'fetchRunStatusChanges(recordsFilter)', ({ instance }) => instance.fetchRunStatusChanges('RUNNING' as never, 10)),
  bad('fetchRunStatusChanges without a limit', 'fetchRunStatusChanges(limit)', ({ instance }) => instance.fetchRunStatusChanges(DagsterEventType.RUN_SUCCESS, undefined as never)),
  bad('watchEventLogs with a cursor that does not parse', 'watchEventLogs(cursor)', ({ instance, run }) => instance.watchEventLogs(run.runId, '%%%', () => {})),
  bad('watchRunEvents with an unknown option', 'watchRunEvents(options).untilRunEnd', ({ instance, run }) => instance.watchRunEvents(run.runId, { untilRunEnd: true } as never)),

  // --- runs
  bad('createRun(null)', 'createRun(options)', ({ instance }) => instance.createRun(null as never)),
  // The issue's own reproductions: each was stored altered, or ignored, before the boundary check.
  bad("createRun({ tags: 't' }) (was stored as {\"0\":\"t\"})", 'createRun(options).tags', ({ instance }) => instance.createRun({ jobName: 'corr', tags: 't' as never })),
  bad("getRuns('x') (returned every run)", 'getRuns(filters)', ({ instance }) => instance.getRuns('x' as never)),
  bad("getRuns({ jobname: 'x' }) (returned every run)", 'getRuns(filters)', ({ instance }) => instance.getRuns({ jobname: 'x' } as never)),
  bad("addDynamicPartitions(def, 'xyz') (stored x, y, z)", 'addDynamicPartitions(partitionKeys)', ({ instance }) => instance.addDynamicPartitions('corr_def', 'xyz' as never)),
  bad('createRun without a job name', 'createRun(options).jobName', ({ instance }) => instance.createRun({} as never)),
  bad("createRun({ tags: 't' })", 'createRun(options).tags', ({ instance }) => instance.createRun({ jobName: 'corr', tags: 't' as never })),
  bad('createRun with tags that are an array', 'createRun(options).tags', ({ instance }) => instance.createRun({ jobName: 'corr', tags: ['a'] as never })),
  bad('createRun with a cyclic runConfig', 'createRun(options).runConfig', ({ instance }) => instance.createRun({ jobName: 'corr', runConfig: cyclic })),
  bad('createRun with a BigInt in runConfig', 'createRun(options).runConfig', ({ instance }) => instance.createRun({ jobName: 'corr', runConfig: { n: 10n ** 20n } })),
  bad('createRun with a function in runConfig', 'createRun(options).runConfig', ({ instance }) => instance.createRun({ jobName: 'corr', runConfig: { f: () => 1 } })),
  bad('createRun with a lone surrogate in the job name', 'createRun(options).jobName', ({ instance }) => instance.createRun({ jobName: LONE })),
  bad('createRun with a misspelt option', 'createRun(options).jobname', ({ instance }) => instance.createRun({ jobName: 'corr', jobname: 'x' } as never)),
  bad('createRun with a status that is not one', 'createRun(options).status', ({ instance }) => instance.createRun({ jobName: 'corr', status: 'DONE' })),
  bad('createRun with an asset selection that is a string', 'createRun(options).assetSelection', ({ instance }) => instance.createRun({ jobName: 'corr', assetSelection: 'abc' as never })),
  bad('createRun with step keys that are a string', 'createRun(options).stepKeysToExecute', ({ instance }) => instance.createRun({ jobName: 'corr', stepKeysToExecute: 'abc' as never })),
  bad("getRuns('x')", 'getRuns(filters)', ({ instance }) => instance.getRuns('x' as never)),
  bad("getRuns({ jobname: 'x' })", 'getRuns(filters)', ({ instance }) => instance.getRuns({ jobname: 'x' } as never)),
  bad('getRuns with a limit of -1', 'getRuns(limit)', ({ instance }) => instance.getRuns(undefined, undefined, -1)),
  bad('getRuns with a limit of 1.5', 'getRuns(limit)', ({ instance }) => instance.getRuns(undefined, undefined, 1.5)),
  bad('getRuns with a limit of "10"', 'getRuns(limit)', ({ instance }) => instance.getRuns(undefined, undefined, '10' as never)),
  bad('getRuns with a bucket that is neither kind', 'getRuns(bucketBy)', ({ instance }) => instance.getRuns(undefined, undefined, 5, { jobs: ['a'] } as never)),
  bad('getRunRecords with limit NaN', 'getRunRecords(limit)', ({ instance }) => instance.getRunRecords(undefined, Number.NaN)),
  bad('getRunIds with a cursor that is a number', 'getRunIds(cursor)', ({ instance }) => instance.getRunIds(undefined, 5 as never)),
  bad('getRunsCount with statuses that are a string', 'getRunsCount(filters)', ({ instance }) => instance.getRunsCount({ statuses: 'SUCCESS' } as never)),
  bad('getRunById(null)', 'getRunById(runId)', ({ instance }) => instance.getRunById(null as never)),
  bad('hasRun with an object', 'hasRun(runId)', ({ instance }) => instance.hasRun({} as never)),
  bad('deleteRun with a number', 'deleteRun(runId)', ({ instance }) => instance.deleteRun(1 as never)),
  bad('addRun(null)', 'addRun(dagsterRun)', ({ instance }) => instance.addRun(null as never)),
  bad('addRun with a plain object', 'addRun(dagsterRun)', ({ instance }) => instance.addRun({ jobName: 'x', runId: 'y' } as never)),
  bad('addRunTags with tags that are a string', 'addRunTags(newTags)', ({ instance, run }) => instance.addRunTags(run.runId, 'a=b' as never)),
  bad('addRunTags with a number tag value', 'addRunTags(newTags).n', ({ instance, run }) => instance.addRunTags(run.runId, { n: 1 } as never)),
  bad('getRunTags with tag keys that are a string', 'getRunTags(tagKeys)', ({ instance }) => instance.getRunTags('dagster/partition' as never)),
  bad('getRunTags with limit -1', 'getRunTags(limit)', ({ instance }) => instance.getRunTags(['a'], undefined, -1)),
  bad('getRunStepStats with step keys that are a string', 'getRunStepStats(stepKeys)', ({ instance, run }) => instance.getRunStepStats(run.runId, 'step' as never)),
  bad('reportRunFailed with a run id instead of a run', 'reportRunFailed(dagsterRun)', ({ instance, run }) => instance.reportRunFailed(run.runId as never)),
  bad('reportRunCanceling(null)', 'reportRunCanceling(run)', ({ instance }) => instance.reportRunCanceling(null as never)),
  bad('getJobSnapshot with a number', 'getJobSnapshot(snapshotId)', ({ instance }) => instance.getJobSnapshot(1 as never)),
  bad('addSnapshot with a plain object', 'addSnapshot(snapshot)', ({ instance }) => instance.addSnapshot({} as never)),
  bad('createReexecutedRun with a strategy that is not one', 'createReexecutedRun(options).strategy', ({ instance, run }) =>
    instance.createReexecutedRun({ parentRun: run, codeLocation: {}, remoteJob: {}, strategy: 'SOME' } as never)),

  // --- daemons
  bad('addDaemonHeartbeat(null)', 'addDaemonHeartbeat(daemonHeartbeat)', ({ instance }) => instance.addDaemonHeartbeat(null as never)),
  bad('addDaemonHeartbeat with a string timestamp', 'addDaemonHeartbeat(daemonHeartbeat).timestamp', ({ instance }) =>
    instance.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: 'now' as never, daemonType: 'SENSOR' }))),
  bad('getDaemonStatuses with a string', 'getDaemonStatuses(daemonTypes)', ({ instance }) => instance.getDaemonStatuses('SENSOR' as never)),

  // --- dynamic partitions
  bad("addDynamicPartitions(def, 'xyz')", 'addDynamicPartitions(partitionKeys)', ({ instance }) => instance.addDynamicPartitions('corr_def', 'xyz' as never)),
  bad('addDynamicPartitions with a number key', 'addDynamicPartitions(partitionKeys)[1]', ({ instance }) => instance.addDynamicPartitions('corr_def', ['a', 2] as never)),
  bad('addDynamicPartitions with a lone surrogate key', 'addDynamicPartitions(partitionKeys)[0]', ({ instance }) => instance.addDynamicPartitions('corr_def', [LONE])),
  bad('addDynamicPartitions with a lone surrogate definition name', 'addDynamicPartitions(partitionsDefName)', ({ instance }) => instance.addDynamicPartitions(LONE, ['a'])),
  bad('getPaginatedDynamicPartitions with limit -1', 'getPaginatedDynamicPartitions(limit)', ({ instance }) => instance.getPaginatedDynamicPartitions('corr_def', -1, true)),
  bad('getPaginatedDynamicPartitions with ascending missing', 'getPaginatedDynamicPartitions(ascending)', ({ instance }) => instance.getPaginatedDynamicPartitions('corr_def', 10, undefined as never)),
  bad('hasDynamicPartition with a number key', 'hasDynamicPartition(partitionKey)', ({ instance }) => instance.hasDynamicPartition('corr_def', 1 as never)),
  bad('deleteDynamicPartition(null, key)', 'deleteDynamicPartition(partitionsDefName)', ({ instance }) => instance.deleteDynamicPartition(null as never, 'a')),

  // --- assets
  bad('runless AssetMaterialization with description 5', 'reportRunlessAssetEvent(assetEvent).description', ({ instance }) =>
    instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: key, description: 5 as never }))),
  bad('runless AssetObservation with a lone surrogate partition', 'reportRunlessAssetEvent(assetEvent).partition', ({ instance }) =>
    instance.reportRunlessAssetEvent(new AssetObservation({ assetKey: key, partition: LONE }))),
  bad('runless AssetMaterialization with number tags', 'reportRunlessAssetEvent(assetEvent).tags.a', ({ instance }) =>
    instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: key, tags: { a: 1 } as never }))),
  bad('fetchMaterializations with limit -1', 'fetchMaterializations(limit)', ({ instance }) => instance.fetchMaterializations(key, -1)),
  bad('fetchMaterializations with limit NaN', 'fetchMaterializations(limit)', ({ instance }) => instance.fetchMaterializations(key, Number.NaN)),
  bad('fetchMaterializations with limit 1.5', 'fetchMaterializations(limit)', ({ instance }) => instance.fetchMaterializations(key, 1.5)),
  bad('fetchMaterializations with limit "10"', 'fetchMaterializations(limit)', ({ instance }) => instance.fetchMaterializations(key, '10' as never)),
  bad('fetchMaterializations with limit 10001 (above the cap)', 'fetchMaterializations(limit)', ({ instance }) => instance.fetchMaterializations(key, 10_001)),
  bad('fetchMaterializations with a string for the filter', 'fetchMaterializations(recordsFilter)', ({ instance }) => instance.fetchMaterializations('corr/asset' as never, 10)),
  bad('fetchMaterializations with a cursor that does not parse', 'fetchMaterializations(cursor)', ({ instance }) => instance.fetchMaterializations(key, 10, 'zzz')),
  bad('fetchObservations with limit Infinity', 'fetchObservations(limit)', ({ instance }) => instance.fetchObservations(key, Number.POSITIVE_INFINITY)),
  bad('fetchFailedMaterializations without a limit', 'fetchFailedMaterializations(limit)', ({ instance }) => instance.fetchFailedMaterializations(key, undefined as never)),
  bad('fetchPlannedMaterializations with a plain filter', 'fetchPlannedMaterializations(recordsFilter)', ({ instance }) => instance.fetchPlannedMaterializations({ assetKey: key } as never, 5)),
  bad('getAssetKeys with limit NaN', 'getAssetKeys(limit)', ({ instance }) => instance.getAssetKeys(undefined, Number.NaN)),
  bad('getAssetKeys with a prefix that is a string', 'getAssetKeys(prefix)', ({ instance }) => instance.getAssetKeys('corr' as never)),
  bad('hasAssetKey with a string', 'hasAssetKey(assetKey)', ({ instance }) => instance.hasAssetKey('corr/asset' as never)),
  bad('getAssetRecords with a key instead of a list', 'getAssetRecords(assetKeys)', ({ instance }) => instance.getAssetRecords(key as never)),
  bad('wipeAssets with one key instead of a list', 'wipeAssets(assetKeys)', ({ instance }) => instance.wipeAssets(key as never)),
  bad('wipeAssets with strings', 'wipeAssets(assetKeys)[0]', ({ instance }) => instance.wipeAssets(['corr/asset'] as never)),
  bad('wipeAssetPartitions with partition keys that are a string', 'wipeAssetPartitions(partitionKeys)', ({ instance }) => instance.wipeAssetPartitions(key, 'p1' as never)),
  bad('getLatestMaterializationEvents with a string', 'getLatestMaterializationEvents(assetKeys)', ({ instance }) => instance.getLatestMaterializationEvents('abc' as never)),
  bad('getMaterializedPartitions with a cursor of 1.5', 'getMaterializedPartitions(beforeCursor)', ({ instance }) => instance.getMaterializedPartitions(key, 1.5)),
  bad('getLatestStorageIdByPartition with an event type that is not one', 'getLatestStorageIdByPartition(eventType)', ({ instance }) => instance.getLatestStorageIdByPartition(key, 'MATERIALIZED' as never)),
  bad('getEventTagsForAsset with number filter tags', 'getEventTagsForAsset(filterTags).a', ({ instance }) => instance.getEventTagsForAsset(key, { a: 1 } as never)),
  bad('getFreshnessStateRecords with one key', 'getFreshnessStateRecords(keys)', ({ instance }) => instance.getFreshnessStateRecords(key as never)),
  bad('getLatestAssetCheckEvaluationRecord with a string', 'getLatestAssetCheckEvaluationRecord(assetCheckKey)', ({ instance }) => instance.getLatestAssetCheckEvaluationRecord('c' as never)),
  bad('updateAssetCachedStatusData with a plain object', 'updateAssetCachedStatusData(cacheValues)', ({ instance }) => instance.updateAssetCachedStatusData(key, {} as never)),
  bad('fetchMaterializations filter with an unknown extra argument', 'fetchMaterializations()', ({ instance }) =>
    (instance.fetchMaterializations as (...args: unknown[]) => unknown)(new AssetRecordsFilter({ assetKey: key }), 5, null, false, 'extra')),

  // --- scheduling
  bad('getTicks with limit -1', 'getTicks(limit)', ({ instance }) => instance.getTicks('o', 's', undefined, undefined, -1)),
  bad('getTicks with before NaN', 'getTicks(before)', ({ instance }) => instance.getTicks('o', 's', Number.NaN)),
  bad('getTicks with limit NaN', 'getTicks(limit)', ({ instance }) => instance.getTicks('o', 's', undefined, undefined, Number.NaN)),
  bad('getTicks with statuses that are a string', 'getTicks(statuses)', ({ instance }) => instance.getTicks('o', 's', undefined, undefined, 5, 'SUCCESS' as never)),
  bad('getBatchTicks with selector ids that are a string', 'getBatchTicks(selectorIds)', ({ instance }) => instance.getBatchTicks('abc' as never)),
  bad('getTick with a string timestamp', 'getTick(timestamp)', ({ instance }) => instance.getTick('o', 's', '1' as never)),
  bad('purgeTicks with before NaN', 'purgeTicks(before)', ({ instance }) => instance.purgeTicks('o', 's', Number.NaN)),
  bad('createTick with a plain object', 'createTick(tickData)', ({ instance }) => instance.createTick({} as never)),
  bad('addInstigatorState(null)', 'addInstigatorState(state)', ({ instance }) => instance.addInstigatorState(null as never)),
  bad('allInstigatorState with statuses that are a string', 'allInstigatorState(instigatorStatuses)', ({ instance }) => instance.allInstigatorState(null, null, null, 'RUNNING' as never)),
  bad('startSensor with a string', 'startSensor(remoteSensor)', ({ instance }) => instance.startSensor('sensor' as never)),
  bad('getBackfills with limit -1', 'getBackfills(limit)', ({ instance }) => instance.getBackfills(null, null, -1)),
  bad('getBackfills with a status that is not one', 'getBackfills(status)', ({ instance }) => instance.getBackfills(null, null, 5, 'DONE' as never)),
  bad('addBackfill with a plain object', 'addBackfill(partitionBackfill)', ({ instance }) => instance.addBackfill({ backfillId: 'b' } as never)),
  bad('getBackfill with a number', 'getBackfill(backfillId)', ({ instance }) => instance.getBackfill(1 as never)),
  bad('getTickRetentionSettings with a type that is not one', 'getTickRetentionSettings(instigatorType)', ({ instance }) => instance.getTickRetentionSettings('JOB' as never)),

  // --- settings and storage
  bad('getSettings with a number', 'getSettings(settingsKey)', ({ instance }) => instance.getSettings(1 as never)),
  bad('fileManagerDirectory with a number', 'fileManagerDirectory(runId)', ({ instance }) => instance.fileManagerDirectory(1 as never)),
  bad('upgrade with a print function that is a string', 'upgrade(printFn)', ({ instance }) => instance.upgrade('print' as never)),
  bad('optimizeForWebserver with a negative timeout', 'optimizeForWebserver(statementTimeout)', ({ instance }) => instance.optimizeForWebserver(-1, 0, 0)),
];

/** Legitimate inputs near the edges: stored and read back exactly. */
export const ACCEPTED_CASES: readonly InputCase[] = [
  {
    name: 'createRun with a non-string tag value (Dagster stores its JSON text)',
    call: ({ instance }) => instance.createRun({ jobName: 'corr_accepted', tags: { n: 1, s: 'x' } }),
    accepted: {
      readBack: async ({ instance }, result) => {
        const run = await instance.getRunById((result as DagsterRun).runId);
        if (run?.tags.n !== '1' || run.tags.s !== 'x') throw new Error(`tags read back as ${JSON.stringify(run?.tags)}`);
      },
    },
  },
  {
    name: 'createRun with a status given by its name and a non-BMP job name',
    call: ({ instance }) => instance.createRun({ jobName: 'job_\u{1F600}', status: 'NOT_STARTED' }),
    accepted: {
      readBack: async ({ instance }, result) => {
        const run = await instance.getRunById((result as DagsterRun).runId);
        if (run?.jobName !== 'job_\u{1F600}') throw new Error(`job name read back as ${run?.jobName}`);
        const count = await instance.getRunsCount(new RunsFilter({ jobName: 'job_\u{1F600}' }));
        if (count !== 1) throw new Error(`count ${count}`);
      },
    },
  },
  {
    name: 'getRuns with a plain RunsFilter init',
    call: ({ instance, run }) => instance.getRuns({ jobName: run.jobName } as never),
    accepted: {
      readBack: ({ run }, result) => {
        const runs = result as DagsterRun[];
        if (!runs.every((r) => r.jobName === run.jobName) || runs.length === 0) throw new Error('filter not applied');
      },
    },
  },
  {
    name: 'addDynamicPartitions with a Set and a non-BMP key',
    call: ({ instance }) => instance.addDynamicPartitions('corr_accepted_def', new Set(['p\u{1F600}', 'q'])),
    accepted: {
      readBack: async ({ instance }) => {
        const keys = await instance.getDynamicPartitions('corr_accepted_def');
        if (JSON.stringify(keys) !== JSON.stringify(['p\u{1F600}', 'q'])) throw new Error(`keys ${JSON.stringify(keys)}`);
      },
    },
  },
  {
    name: 'fetchMaterializations with limit 0',
    call: ({ instance }) => instance.fetchMaterializations(key, 0),
    accepted: {
      readBack: (_ctx, result) => {
        if ((result as { records: unknown[] }).records.length !== 0) throw new Error('limit 0 returned records');
      },
    },
  },
  {
    name: 'allLogs with a Set of event types',
    call: ({ instance, run }) => instance.allLogs(run.runId, new Set([DagsterEventType.ENGINE_EVENT])),
    accepted: {
      readBack: (_ctx, result) => {
        if (!Array.isArray(result)) throw new Error('not a list');
      },
    },
  },
];
