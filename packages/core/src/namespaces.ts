import type { Instance } from './instance';

/**
 * The namespaced API: `instance.runs.create(…)`, `instance.events.watch(…)`. Each entry calls the instance's flat
 * method of the same meaning, so subclass overrides apply here too; nothing is implemented twice.
 */
export function runsNamespace(instance: Instance) {
  return {
    create: (...args: Parameters<Instance['createRun']>) => instance.createRun(...args),
    createForJob: (...args: Parameters<Instance['createRunForJob']>) => instance.createRunForJob(...args),
    createReexecuted: (...args: Parameters<Instance['createReexecutedRun']>) => instance.createReexecutedRun(...args),
    registerManaged: (...args: Parameters<Instance['registerManagedRun']>) => instance.registerManagedRun(...args),
    add: (...args: Parameters<Instance['addRun']>) => instance.addRun(...args),
    get: (...args: Parameters<Instance['getRunById']>) => instance.getRunById(...args),
    getRecord: (...args: Parameters<Instance['getRunRecordById']>) => instance.getRunRecordById(...args),
    has: (...args: Parameters<Instance['hasRun']>) => instance.hasRun(...args),
    list: (...args: Parameters<Instance['getRuns']>) => instance.getRuns(...args),
    records: (...args: Parameters<Instance['getRunRecords']>) => instance.getRunRecords(...args),
    ids: (...args: Parameters<Instance['getRunIds']>) => instance.getRunIds(...args),
    count: (...args: Parameters<Instance['getRunsCount']>) => instance.getRunsCount(...args),
    delete: (...args: Parameters<Instance['deleteRun']>) => instance.deleteRun(...args),
    addTags: (...args: Parameters<Instance['addRunTags']>) => instance.addRunTags(...args),
    tags: (...args: Parameters<Instance['getRunTags']>) => instance.getRunTags(...args),
    tagKeys: (...args: Parameters<Instance['getRunTagKeys']>) => instance.getRunTagKeys(...args),
    group: (...args: Parameters<Instance['getRunGroup']>) => instance.getRunGroup(...args),
    stats: (...args: Parameters<Instance['getRunStats']>) => instance.getRunStats(...args),
    stepStats: (...args: Parameters<Instance['getRunStepStats']>) => instance.getRunStepStats(...args),
    partitionData: (...args: Parameters<Instance['getRunPartitionData']>) => instance.getRunPartitionData(...args),
    submit: (...args: Parameters<Instance['submitRun']>) => instance.submitRun(...args),
    launch: (...args: Parameters<Instance['launchRun']>) => instance.launchRun(...args),
    resume: (...args: Parameters<Instance['resumeRun']>) => instance.resumeRun(...args),
    reportCanceling: (...args: Parameters<Instance['reportRunCanceling']>) => instance.reportRunCanceling(...args),
    reportCanceled: (...args: Parameters<Instance['reportRunCanceled']>) => instance.reportRunCanceled(...args),
    reportFailed: (...args: Parameters<Instance['reportRunFailed']>) => instance.reportRunFailed(...args),
  };
}

export function eventsNamespace(instance: Instance) {
  return {
    store: (...args: Parameters<Instance['storeEvent']>) => instance.storeEvent(...args),
    handle: (...args: Parameters<Instance['handleNewEvent']>) => instance.handleNewEvent(...args),
    report: (...args: Parameters<Instance['reportDagsterEvent']>) => instance.reportDagsterEvent(...args),
    reportEngineEvent: (...args: Parameters<Instance['reportEngineEvent']>) => instance.reportEngineEvent(...args),
    forRun: (...args: Parameters<Instance['getRecordsForRun']>) => instance.getRecordsForRun(...args),
    all: (...args: Parameters<Instance['allLogs']>) => instance.allLogs(...args),
    after: (...args: Parameters<Instance['logsAfter']>) => instance.logsAfter(...args),
    runStatusChanges: (...args: Parameters<Instance['fetchRunStatusChanges']>) => instance.fetchRunStatusChanges(...args),
    watch: (...args: Parameters<Instance['watchRunEvents']>) => instance.watchRunEvents(...args),
    addListener: (...args: Parameters<Instance['addEventListener']>) => instance.addEventListener(...args),
  };
}

export function snapshotsNamespace(instance: Instance) {
  return {
    add: (...args: Parameters<Instance['addSnapshot']>) => instance.addSnapshot(...args),
    has: (...args: Parameters<Instance['hasSnapshot']>) => instance.hasSnapshot(...args),
    getJob: (...args: Parameters<Instance['getJobSnapshot']>) => instance.getJobSnapshot(...args),
    hasJob: (...args: Parameters<Instance['hasJobSnapshot']>) => instance.hasJobSnapshot(...args),
    getExecutionPlan: (...args: Parameters<Instance['getExecutionPlanSnapshot']>) => instance.getExecutionPlanSnapshot(...args),
  };
}

export function daemonsNamespace(instance: Instance) {
  return {
    addHeartbeat: (...args: Parameters<Instance['addDaemonHeartbeat']>) => instance.addDaemonHeartbeat(...args),
    heartbeats: (...args: Parameters<Instance['getDaemonHeartbeats']>) => instance.getDaemonHeartbeats(...args),
    wipeHeartbeats: (...args: Parameters<Instance['wipeDaemonHeartbeats']>) => instance.wipeDaemonHeartbeats(...args),
    requiredTypes: (...args: Parameters<Instance['getRequiredDaemonTypes']>) => instance.getRequiredDaemonTypes(...args),
    statuses: (...args: Parameters<Instance['getDaemonStatuses']>) => instance.getDaemonStatuses(...args),
  };
}

export type RunsNamespace = ReturnType<typeof runsNamespace>;
export type EventsNamespace = ReturnType<typeof eventsNamespace>;
export type SnapshotsNamespace = ReturnType<typeof snapshotsNamespace>;
export type DaemonsNamespace = ReturnType<typeof daemonsNamespace>;
