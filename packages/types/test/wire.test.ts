import { loadDump } from '@inst/fixtures';
import { serializeValue } from '@inst/serdes';
import { describe, expect, it } from 'vitest';
import {
  AssetKey,
  AssetMaterialization,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  EngineEventData,
  EventLogEntry,
  EventLogRecord,
  JobPythonOrigin,
  LoadableTargetOrigin,
  ManagedGrpcPythonEnvCodeLocationOrigin,
  ModuleCodePointer,
  NodeHandle,
  BulkActionStatus,
  PartitionBackfill,
  RemoteJobOrigin,
  RemoteRepositoryOrigin,
  RepositoryPythonOrigin,
  StepMaterializationData,
} from '../src/index';

// Values built in TypeScript must serialize to exactly what Dagster 1.12.3 wrote.
const dump = loadDump('1_12_3');
const row = (table: string, column: string, key: string, value: string): string => {
  const found = dump.table(table).rows.find((r) => r[key] === value);
  if (!found?.[column]) throw new Error(`no ${table} row with ${key}=${value}`);
  return found[column];
};

describe('DagsterRun', () => {
  it('writes the run body of facts §4.4', () => {
    const run = new DagsterRun({
      jobName: 'foo',
      runId: 'b2082f26-e096-4355-bdbe-478b33fd35c7',
      status: DagsterRunStatus.SUCCESS,
      tags: { 'dagster/backfill': 'in_progress_backfill' },
    });
    const expected =
      '{"__class__": "PipelineRun", "asset_check_selection": null, "asset_selection": null, "execution_plan_snapshot_id": null, "external_pipeline_origin": null, "has_repository_load_data": false, "mode": null, "parent_run_id": null, "partitions_subset": null, "pipeline_code_origin": null, "pipeline_name": "foo", "pipeline_snapshot_id": null, "root_run_id": null, "run_config": {}, "run_id": "b2082f26-e096-4355-bdbe-478b33fd35c7", "run_op_concurrency": null, "solid_selection": null, "solids_to_execute": null, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}, "step_keys_to_execute": null, "tags": {"dagster/backfill": "in_progress_backfill"}}';
    expect(serializeValue(run)).toBe(expected);
    expect(serializeValue(run)).toBe(row('runs', 'run_body', 'run_id', run.runId));
  });

  it('writes origins, code pointers and asset selections as Dagster does', () => {
    const repositoryOrigin = new RemoteRepositoryOrigin({
      codeLocationOrigin: new ManagedGrpcPythonEnvCodeLocationOrigin({
        loadableTargetOrigin: new LoadableTargetOrigin({ moduleName: 'dagster_test.toys.repo', workingDirectory: '/Users/hynekblaha/dagster' }),
        locationName: 'dagster_test.toys.repo',
      }),
      repositoryName: 'basic_assets_repository',
    });
    const run = new DagsterRun({
      jobName: 'basic_assets_job',
      runId: '4e37f0ab-1cd4-4af7-9c5a-76bb1f526d54',
      status: DagsterRunStatus.SUCCESS,
      assetSelection: [new AssetKey(['basic_asset_1'])],
      assetCheckSelection: [],
      executionPlanSnapshotId: '03002c9d8db5df9d5ce603d57fa7fdda258054b1',
      jobSnapshotId: '75080c9f16819e52f57f50a6fad451ba486ee568',
      remoteJobOrigin: new RemoteJobOrigin({ repositoryOrigin, jobName: 'basic_assets_job' }),
      jobCodeOrigin: new JobPythonOrigin({
        jobName: 'basic_assets_job',
        repositoryOrigin: new RepositoryPythonOrigin({
          executablePath: '/Users/hynekblaha/dagster/venv/bin/python3',
          codePointer: new ModuleCodePointer({ module: 'dagster_test.toys.repo', fnName: 'basic_assets_repository', workingDirectory: '/Users/hynekblaha/dagster' }),
          containerContext: {},
          entryPoint: ['dagster'],
        }),
      }),
      stepKeysToExecute: ['basic_asset_1'],
      tags: { '.dagster/grpc_info': '{"host": "localhost", "socket": "/var/folders/zt/9txyngt92fxgpd954jkfz6zm0000gn/T/tmpmc6skfzp"}' },
    });
    // This row was written before `partitions_subset` existed; today's Dagster adds it (as null), and so do we.
    const stored = row('runs', 'run_body', 'run_id', run.runId);
    expect(serializeValue(run)).toBe(stored.replace('"parent_run_id": null, ', '"parent_run_id": null, "partitions_subset": null, '));
    expect(run.tagsForStorage()['.dagster/repository']).toBe('basic_assets_repository@dagster_test.toys.repo');
  });
});

describe('EventLogEntry', () => {
  it('writes the run success entry of facts §4.4', () => {
    const entry = new EventLogEntry({
      errorInfo: null,
      level: 20,
      userMessage: '',
      runId: 'f5bda7ef-a7ad-4049-adbb-c56fac02f613',
      timestamp: 1763243217.575178,
      stepKey: 'bar',
      jobName: 'foo',
      dagsterEvent: new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_SUCCESS, jobName: 'foo', message: 'yay run success', stepKey: 'bar' }),
    });
    const expected =
      '{"__class__": "EventLogEntry", "dagster_event": {"__class__": "DagsterEvent", "event_specific_data": null, "event_type_value": "PIPELINE_SUCCESS", "logging_tags": {}, "message": "yay run success", "pid": null, "pipeline_name": "foo", "solid_handle": null, "step_handle": null, "step_key": "bar", "step_kind_value": null}, "error_info": null, "level": 20, "message": "", "pipeline_name": "foo", "run_id": "f5bda7ef-a7ad-4049-adbb-c56fac02f613", "step_key": "bar", "timestamp": 1763243217.575178, "user_message": ""}';
    expect(serializeValue(entry)).toBe(expected);
    expect(serializeValue(entry)).toBe(row('event_logs', 'event', 'id', '78'));
  });

  it('writes an engine event with metadata as Dagster’s metadata_entries list', () => {
    const entry = new EventLogEntry({
      level: 10,
      userMessage: 'Executing steps using multiprocess executor: parent process (pid: 3626)',
      runId: '4e37f0ab-1cd4-4af7-9c5a-76bb1f526d54',
      timestamp: 1731664849.318593,
      jobName: 'basic_assets_job',
      dagsterEvent: new DagsterEvent({
        eventTypeValue: DagsterEventType.ENGINE_EVENT,
        jobName: 'basic_assets_job',
        message: 'Executing steps using multiprocess executor: parent process (pid: 3626)',
        pid: 3626,
        eventSpecificData: new EngineEventData({ metadata: { pid: '3626', step_keys: "['basic_asset_1']" } }),
      }),
    });
    expect(serializeValue(entry)).toBe(row('event_logs', 'event', 'id', '59'));
    expect((entry.dagsterEvent!.engineEventData.metadata.pid as { text: string }).text).toBe('3626');
  });

  it('writes the materialization record of asset_keys.last_materialization', () => {
    const nodeHandle = new NodeHandle({ name: 'basic_asset_1' });
    const runId = '4e37f0ab-1cd4-4af7-9c5a-76bb1f526d54';
    const record = new EventLogRecord({
      storageId: 68,
      eventLogEntry: new EventLogEntry({
        level: 10,
        userMessage: 'Materialized value basic_asset_1.',
        runId,
        timestamp: 1731664851.966126,
        stepKey: 'basic_asset_1',
        jobName: 'basic_assets_job',
        dagsterEvent: new DagsterEvent({
          eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION,
          jobName: 'basic_assets_job',
          nodeHandle,
          stepKindValue: 'COMPUTE',
          loggingTags: {
            job_name: 'basic_assets_job',
            op_name: 'basic_asset_1',
            resource_fn_name: 'None',
            resource_name: 'None',
            run_id: runId,
            step_key: 'basic_asset_1',
          },
          message: 'Materialized value basic_asset_1.',
          pid: 3691,
          eventSpecificData: new StepMaterializationData({
            materialization: new AssetMaterialization({
              assetKey: new AssetKey(['basic_asset_1']),
              metadata: {},
              tags: {
                'dagster/code_version': '4e37f0ab-1cd4-4af7-9c5a-76bb1f526d54',
                'dagster/data_version': '6c9d21d97b078a4cedd1fdc1d1d3991dde75605279a2115ee2c1deea25d89d95',
              },
            }),
          }),
        }),
      }),
    });
    expect(serializeValue(record)).toBe(row('asset_keys', 'last_materialization', 'id', '1'));
    expect(record.assetKey?.toString()).toBe('["basic_asset_1"]');
    expect(record.eventLogEntry.dagsterEvent!.stepKey).toBe('basic_asset_1');
  });
});

describe('DaemonHeartbeat', () => {
  it('writes the heartbeat of facts §4.4, with the timestamp as a float', () => {
    const heartbeat = new DaemonHeartbeat({ timestamp: 1731665100.0053, daemonType: 'SCHEDULER', daemonId: '90746cb1-de8b-452c-a6a6-53494b5eec79', errors: [] });
    expect(serializeValue(heartbeat)).toBe(row('daemon_heartbeats', 'body', 'daemon_type', 'SCHEDULER'));
    expect(serializeValue(new DaemonHeartbeat({ timestamp: 1000, daemonType: 'SENSOR', daemonId: 'x' }))).toBe(
      '{"__class__": "DaemonHeartbeat", "daemon_id": "x", "daemon_type": "SENSOR", "errors": [], "timestamp": 1000.0}',
    );
  });
});

describe('PartitionBackfill', () => {
  it('writes the backfills of the 1.12.3 dump', () => {
    const requested = new PartitionBackfill({
      backfillId: 'in_progress_backfill',
      status: BulkActionStatus.REQUESTED,
      fromFailure: false,
      tags: {},
      backfillTimestamp: 1763243216.804266,
      serializedAssetBackfillData: 'foo',
    });
    expect(serializeValue(requested)).toBe(row('bulk_actions', 'body', 'key', 'in_progress_backfill'));
    const canceled = requested
      .withStatus(BulkActionStatus.CANCELED)
      .withEndTimestamp(1763243216.889518);
    const expected = row('bulk_actions', 'body', 'key', 'no_runs_backfill');
    expect(serializeValue(new PartitionBackfill({ ...canceled, backfillId: 'no_runs_backfill', backfillTimestamp: 1763243216.889518 }))).toBe(expected);
  });
});
