import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { FrozenSet, deserializeValue, serializeValue } from '@inst/serdes';
import { describe, expect, it } from 'vitest';
import type {
  JobFailureData} from '../src/index';
import {
  ASSET_CHECK_EVENTS,
  ASSET_EVENTS,
  AssetCheckEvaluation,
  AssetCheckKey,
  AssetKey,
  AssetRecordsFilter,
  BATCH_WRITABLE_EVENTS,
  CANCELABLE_RUN_STATUSES,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  DeserializationError,
  EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
  EventLogCursor,
  EventLogEntry,
  EventRecordsFilter,
  FINISHED_STATUSES,
  IN_PROGRESS_RUN_STATUSES,
  InstigatorSelector,
  InstigatorState,
  InstigatorStatus,
  InstigatorTick,
  InstigatorType,
  IntMetadataValue,
  InvalidCursorError,
  InvalidFilterError,
  InvariantViolationError,
  LoadableTargetOrigin,
  ManagedGrpcPythonEnvCodeLocationOrigin,
  NOT_FINISHED_STATUSES,
  RUN_STATUS_EVENT_TYPES,
  RUN_TAGS,
  RemoteJobOrigin,
  RemoteRepositoryOrigin,
  RepositorySelector,
  RunFailureReason,
  RunOpConcurrency,
  RunStatusChangeRecordsFilter,
  RunsFilter,
  ScheduleInstigatorData,
  SerializableErrorInfo,
  TextMetadataValue,
  TickData,
  TickStatus,
  FloatMetadataValue,
  JsonMetadataValue,
  EngineEventData,
  metadataFromEntries,
  tagsForStorage,
} from '../src/index';

const sha1 = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex');

describe('AssetKey', () => {
  it('stores its path as Python json.dumps writes it', () => {
    expect(new AssetKey(['path', 'to', 'asset_3']).toString()).toBe('["path", "to", "asset_3"]');
    expect(new AssetKey(['café', 'a"b']).toString()).toBe('["caf\\u00e9", "a\\"b"]');
    expect(new AssetKey('single').path).toEqual(['single']);
    expect(AssetKey.getDbPrefix(['path', 'to'])).toBe('["path", "to');
  });

  it('reads stored strings, legacy dotted strings and user strings', () => {
    expect(AssetKey.fromString('["path", "to", "asset_3"]')?.path).toEqual(['path', 'to', 'asset_3']);
    expect(AssetKey.fromString('["caf\\u00e9"]')?.path).toEqual(['café']);
    expect(AssetKey.fromString('path.to.asset')?.path).toEqual(['path', 'to', 'asset']);
    expect(AssetKey.fromString('')).toBeNull();
    expect(AssetKey.fromUserString('a/b').path).toEqual(['a', 'b']);
    expect(new AssetKey(['a', 'b']).toUserString()).toBe('a/b');
    expect(new AssetKey(['a/b', 'c']).toEscapedUserString()).toBe('a\\/b/c');
  });

  it("has Python's str(), which orders sets of keys", () => {
    expect(new AssetKey(['a', "it's"]).pyStr).toBe(`AssetKey(['a', "it's"])`);
    const selection = new FrozenSet([new AssetKey(['b']), new AssetKey(['a', 'z']), new AssetKey(['a'])]);
    expect(serializeValue(selection)).toBe(
      // sorted(key=str): "AssetKey(['a', 'z'])" < "AssetKey(['a'])" because ',' < ']'.
      '{"__frozenset__": [{"__class__": "AssetKey", "path": ["a", "z"]}, {"__class__": "AssetKey", "path": ["a"]}, {"__class__": "AssetKey", "path": ["b"]}]}',
    );
  });

  it('compares by path', () => {
    expect(new AssetKey(['a', 'b']).equals(new AssetKey(['a', 'b']))).toBe(true);
    expect(new AssetKey(['a', 'b']).equals(new AssetKey(['a']))).toBe(false);
    expect(new AssetKey(['a', 'b']).hasPrefix(['a'])).toBe(true);
  });
});

describe('AssetCheckKey', () => {
  it('has user and db strings', () => {
    const key = new AssetCheckKey({ assetKey: new AssetKey(['a', 'b']), name: 'fresh' });
    expect(key.toUserString()).toBe('a/b:fresh');
    expect(key.toDbString()).toBe('{"asset_key": "[\\"a\\", \\"b\\"]", "check_name": "fresh"}');
    expect(AssetCheckKey.fromDbString(key.toDbString())?.equals(key)).toBe(true);
    expect(AssetCheckKey.fromDbString('["a"]')).toBeNull();
    expect(AssetCheckKey.fromUserString('a/b:fresh').equals(key)).toBe(true);
  });
});

describe('EventLogCursor', () => {
  it('is the base64 of Python json.dumps', () => {
    expect(EventLogCursor.fromStorageId(68).toString()).toBe('eyJ0eXBlIjogIlNUT1JBR0VfSUQiLCAidmFsdWUiOiA2OH0=');
    expect(EventLogCursor.fromStorageId(-1).toString()).toBe('eyJ0eXBlIjogIlNUT1JBR0VfSUQiLCAidmFsdWUiOiAtMX0=');
    expect(Buffer.from(EventLogCursor.fromOffset(3).toString(), 'base64').toString()).toBe('{"type": "OFFSET", "value": 3}');
  });

  it('parses what it writes', () => {
    const cursor = EventLogCursor.parse('eyJ0eXBlIjogIlNUT1JBR0VfSUQiLCAidmFsdWUiOiA2OH0=');
    expect(cursor.isIdCursor()).toBe(true);
    expect(cursor.storageId()).toBe(68);
    expect(EventLogCursor.parse(EventLogCursor.fromOffset(-5).toString()).offset()).toBe(0);
  });

  it.each([
    ['not base64', 'not a cursor!'],
    ['not JSON', Buffer.from('hello').toString('base64')],
    ['a wrong type', Buffer.from('{"type": "ROW", "value": 1}').toString('base64')],
    ['a non-integer value', Buffer.from('{"type": "OFFSET", "value": "1"}').toString('base64')],
  ])('rejects %s with InvalidCursorError', (_what, text) => {
    expect(() => EventLogCursor.parse(text)).toThrow(InvalidCursorError);
  });

  it('gives the cursor bounds of event record queries', () => {
    const cursor = EventLogCursor.fromStorageId(10).toString();
    expect(EventRecordsFilter.getCursorParams(cursor, true)).toEqual([null, 10]);
    expect(EventRecordsFilter.getCursorParams(cursor, false)).toEqual([10, null]);
    const filter = new AssetRecordsFilter({ assetKey: new AssetKey('a'), afterStorageId: 20 });
    expect(filter.toEventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, cursor, true).afterCursor).toBe(20);
    expect(() => EventRecordsFilter.getCursorParams(EventLogCursor.fromOffset(1).toString())).toThrow(InvalidFilterError);
  });
});

describe('selector and origin ids', () => {
  const repositoryOrigin = new RemoteRepositoryOrigin({
    codeLocationOrigin: new ManagedGrpcPythonEnvCodeLocationOrigin({
      loadableTargetOrigin: new LoadableTargetOrigin({ pythonFile: 'repo.py', attribute: 'my_repo' }),
      locationName: 'my_location',
    }),
    repositoryName: 'my_repo',
  });
  const state = new InstigatorState({
    origin: repositoryOrigin.getInstigatorOrigin('my_schedule'),
    instigatorType: InstigatorType.SCHEDULE,
    status: InstigatorStatus.RUNNING,
    instigatorData: new ScheduleInstigatorData({ cronSchedule: '0 * * * *', startTimestamp: 1700000000 }),
  });

  it('hashes the serialized InstigatorSelector(location_name, repository_name, name)', () => {
    const selector = new InstigatorSelector({ locationName: 'my_location', repositoryName: 'my_repo', name: 'my_schedule' });
    const text = '{"__class__": "InstigatorSelector", "location_name": "my_location", "name": "my_schedule", "repository_name": "my_repo"}';
    expect(serializeValue(selector)).toBe(text);
    // sha1 of the text above, computed with Python's hashlib.
    expect(selector.selectorId).toBe('b248bed530d598c668abdeb571ac8f9c4e3548af');
    expect(state.selectorId).toBe('b248bed530d598c668abdeb571ac8f9c4e3548af');
  });

  it('hashes the serialized RepositorySelector(location_name, repository_name)', () => {
    const text = '{"__class__": "RepositorySelector", "location_name": "my_location", "repository_name": "my_repo"}';
    expect(serializeValue(new RepositorySelector({ locationName: 'my_location', repositoryName: 'my_repo' }))).toBe(text);
    expect(state.repositorySelectorId).toBe('ff327059c542b0b49695557548d16e26267acf96');
  });

  it('hashes the origin, stored under its old names, for the instigator origin id', () => {
    const text = serializeValue(state.origin);
    expect(text).toBe(
      '{"__class__": "ExternalJobOrigin", "external_repository_origin": {"__class__": "ExternalRepositoryOrigin", "repository_location_origin": {"__class__": "ManagedGrpcPythonEnvRepositoryLocationOrigin", "loadable_target_origin": {"__class__": "LoadableTargetOrigin", "attribute": "my_repo", "executable_path": null, "module_name": null, "package_name": null, "python_file": "repo.py", "working_directory": null}, "location_name": "my_location"}, "repository_name": "my_repo"}, "job_name": "my_schedule"}',
    );
    expect(state.instigatorOriginId).toBe(sha1(text));
    expect(state.repositoryOriginId).toBe(sha1(serializeValue(repositoryOrigin)));
  });

  it('writes instigator states with their old field names and reads old status names', () => {
    const text = serializeValue(state);
    expect(text).toContain('"job_type": {"__enum__": "InstigatorType.SCHEDULE"}');
    expect(text).toContain('"job_specific_data": {"__class__": "ScheduleInstigatorData", "cron_schedule": "0 * * * *", "last_iteration_timestamp": null, "start_timestamp": 1700000000.0}');
    const old = text.replace('"InstigatorStatus.RUNNING"', '"JobStatus.AUTOMATICALLY_RUNNING"').replace('"InstigatorState"', '"JobState"');
    const read = deserializeValue(old, { as: InstigatorState }) as InstigatorState;
    expect(read.status).toBe(InstigatorStatus.DECLARED_IN_CODE);
    expect(serializeValue(read)).toBe(old);
  });
});

describe('ticks', () => {
  const data = new TickData({
    instigatorOriginId: 'origin',
    instigatorName: 'my_sensor',
    instigatorType: InstigatorType.SENSOR,
    status: TickStatus.STARTED,
    timestamp: 1700000000,
  });

  it('validates status changes as Dagster does', () => {
    const tick = new InstigatorTick({ tickId: 7, tickData: data });
    const done = tick.withRunInfo('run-1', 'key-1').withStatus(TickStatus.SUCCESS);
    expect(done.runIds).toEqual(['run-1']);
    expect(done.endTimestamp).toBeGreaterThan(0);
    expect(tick.endTimestamp).toBeNull();
    expect(() => tick.withStatus(TickStatus.FAILURE)).toThrow(InvariantViolationError);
    const error = new SerializableErrorInfo({ message: 'boom\n', stack: [], clsName: 'Exception' });
    expect(tick.withStatus(TickStatus.FAILURE, { error }).isFailure).toBe(true);
    expect(() => data.withReason('nothing to do')).toThrow(InvariantViolationError);
  });

  it('writes tick data with its old field names', () => {
    const text = serializeValue(data);
    expect(text).toMatch(/^\{"__class__": "TickData", "auto_materialize_evaluation_id": null, "consecutive_failure_count": 0, /);
    expect(text).toContain('"job_name": "my_sensor", "job_origin_id": "origin", "job_type": {"__enum__": "InstigatorType.SENSOR"}');
    expect(text).toContain('"timestamp": 1700000000.0');
  });
});

describe('run status groups and event type groups', () => {
  it("match Dagster's", () => {
    expect(FINISHED_STATUSES).toEqual(['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(IN_PROGRESS_RUN_STATUSES).toEqual(['STARTING', 'STARTED', 'CANCELING']);
    expect(NOT_FINISHED_STATUSES).toEqual(['STARTING', 'STARTED', 'CANCELING', 'QUEUED', 'NOT_STARTED']);
    expect(CANCELABLE_RUN_STATUSES).toEqual(['STARTED', 'QUEUED']);
    expect(Object.keys(DagsterRunStatus)).toHaveLength(9);
    expect(DagsterEventType.RUN_SUCCESS).toBe('PIPELINE_SUCCESS');
    expect([...EVENT_TYPE_TO_PIPELINE_RUN_STATUS]).toEqual([
      ['PIPELINE_START', 'STARTED'],
      ['PIPELINE_SUCCESS', 'SUCCESS'],
      ['PIPELINE_FAILURE', 'FAILURE'],
      ['PIPELINE_ENQUEUED', 'QUEUED'],
      ['PIPELINE_STARTING', 'STARTING'],
      ['PIPELINE_CANCELING', 'CANCELING'],
      ['PIPELINE_CANCELED', 'CANCELED'],
    ]);
    expect(RUN_STATUS_EVENT_TYPES.has(DagsterEventType.RUN_DEQUEUED)).toBe(false);
    expect([...ASSET_EVENTS].sort()).toEqual(['ASSET_FAILED_TO_MATERIALIZE', 'ASSET_MATERIALIZATION', 'ASSET_MATERIALIZATION_PLANNED', 'ASSET_OBSERVATION']);
    expect([...ASSET_CHECK_EVENTS].sort()).toEqual(['ASSET_CHECK_EVALUATION', 'ASSET_CHECK_EVALUATION_PLANNED']);
    expect([...BATCH_WRITABLE_EVENTS].sort()).toEqual(['ASSET_FAILED_TO_MATERIALIZE', 'ASSET_MATERIALIZATION', 'ASSET_OBSERVATION']);
  });

  it('give run predicates', () => {
    const run = new DagsterRun({ jobName: 'j', runId: 'r', status: DagsterRunStatus.FAILURE, tags: { [RUN_TAGS.WILL_RETRY]: 'true' } });
    expect(run.isFinished && run.isFailure && run.isFailureOrCanceled && !run.isSuccess).toBe(true);
    expect(run.isCompleteAndWaitingToRetry).toBe(true);
    expect(run.withTags({ ...run.tags, [RUN_TAGS.AUTO_RETRY_RUN_ID]: 'x' }).isCompleteAndWaitingToRetry).toBe(false);
    expect(run.withStatus(DagsterRunStatus.STARTED).isCancelable).toBe(true);
    expect(() => run.withStatus(DagsterRunStatus.QUEUED)).toThrow(InvariantViolationError);
    expect(new DagsterRun({ jobName: 'j', runId: 'r' }).status).toBe(DagsterRunStatus.NOT_STARTED);
    expect(() => new DagsterRun({ jobName: 'j', runId: 'r', rootRunId: 'x' })).toThrow(InvariantViolationError);
  });

  it('serialize event record filters with the member name of the event type', () => {
    const filter = new EventRecordsFilter({ eventType: DagsterEventType.RUN_SUCCESS, afterCursor: 3 });
    expect(serializeValue(filter)).toBe(
      '{"__class__": "EventRecordsFilter", "after_cursor": 3, "after_timestamp": null, "asset_key": null, "asset_partitions": null, "before_cursor": null, "before_timestamp": null, "event_type": {"__enum__": "DagsterEventType.RUN_SUCCESS"}, "storage_ids": null}',
    );
    expect((deserializeValue(serializeValue(filter)) as EventRecordsFilter).eventType).toBe('PIPELINE_SUCCESS');
    expect(() => new RunStatusChangeRecordsFilter({ eventType: DagsterEventType.ASSET_MATERIALIZATION })).toThrow();
  });
});

describe('tagsForStorage', () => {
  it('adds the repository label and pool tags, and the run tags win', () => {
    const repositoryOrigin = new RemoteRepositoryOrigin({
      codeLocationOrigin: new ManagedGrpcPythonEnvCodeLocationOrigin({ loadableTargetOrigin: new LoadableTargetOrigin(), locationName: 'loc' }),
      repositoryName: 'repo',
    });
    const run = new DagsterRun({
      jobName: 'j',
      runId: 'r',
      tags: { owner: 'me' },
      remoteJobOrigin: new RemoteJobOrigin({ repositoryOrigin, jobName: 'j' }),
      runOpConcurrency: new RunOpConcurrency({ rootKeyCounts: { p: 1 }, hasUnconstrainedRootNodes: false, allPools: ['p'] }),
    });
    expect(tagsForStorage(run)).toEqual({ '.dagster/repository': 'repo@loc', '.dagster/pool/p': 'true', owner: 'me' });
    expect(tagsForStorage(run.withTags({ '.dagster/repository': 'mine' }))['.dagster/repository']).toBe('mine');
    expect(tagsForStorage(new DagsterRun({ jobName: 'j', runId: 'r' }))).toEqual({});
  });
});

describe('RunsFilter', () => {
  it('rejects an empty run id list', () => {
    expect(() => new RunsFilter({ runIds: [] })).toThrow(InvalidFilterError);
    expect(new RunsFilter({ runIds: ['a'] }).statuses).toEqual([]);
    expect(RunsFilter.forBackfill('b').tags).toEqual({ 'dagster/backfill': 'b' });
  });
});

describe('events', () => {
  it('give the asset key, partition and check key of asset events, and refuse the wrong data', () => {
    const key = new AssetKey(['a']);
    const check = new DagsterEvent({
      eventTypeValue: DagsterEventType.ASSET_CHECK_EVALUATION,
      jobName: 'j',
      eventSpecificData: new AssetCheckEvaluation({ assetKey: key, checkName: 'c', passed: true, metadata: { rows: 3 } }),
    });
    expect(check.assetCheckKey?.toUserString()).toBe('a:c');
    expect(check.assetKey).toBeNull();
    expect(check.assetCheckEvaluationData.metadata.rows).toBeInstanceOf(IntMetadataValue);
    expect(() => check.stepMaterializationData).toThrow(InvariantViolationError);
    expect(serializeValue(check.eventSpecificData)).toBe(
      '{"__class__": "AssetCheckEvaluation", "asset_key": {"__class__": "AssetKey", "path": ["a"]}, "blocking": null, "check_name": "c", "description": null, "metadata": {"rows": {"__class__": "IntMetadataEntryData", "value": 3}}, "severity": {"__enum__": "AssetCheckSeverity.ERROR"}, "success": true, "target_materialization_data": null}',
    );
  });

  it('map legacy event type values', () => {
    expect(new DagsterEvent({ eventTypeValue: 'STEP_MATERIALIZATION', jobName: 'j' }).eventType).toBe(DagsterEventType.ASSET_MATERIALIZATION);
    expect(new DagsterEvent({ eventTypeValue: 'PIPELINE_INIT_FAILURE', jobName: 'j' }).isRunFailure).toBe(true);
  });

  it('normalize metadata as Dagster does and keep it as metadata_entries', () => {
    const data = new EngineEventData({ metadata: { text: 'x', count: 2, ratio: 0.5, whole: new FloatMetadataValue({ value: 2 }), json: { a: [1] } } });
    expect(Object.keys(data.metadata)).toEqual(['text', 'count', 'ratio', 'whole', 'json']);
    expect(data.metadata.text).toBeInstanceOf(TextMetadataValue);
    expect(data.metadata.json).toBeInstanceOf(JsonMetadataValue);
    const text = serializeValue(data);
    expect(text).toContain('{"__class__": "EventMetadataEntry", "description": null, "entry_data": {"__class__": "FloatMetadataEntryData", "value": 2.0}, "label": "whole"}');
    expect(metadataFromEntries(data.metadataEntries)).toEqual(data.metadata);
  });

  it('read an unknown run failure reason as UNKNOWN, as Dagster does', () => {
    const data = deserializeValue('{"__class__": "PipelineFailureData", "error": null, "failure_reason": {"__enum__": "RunFailureReason.FROM_THE_FUTURE"}}') as JobFailureData;
    expect(data.failureReason).toBe(RunFailureReason.UNKNOWN);
  });
});

describe('bad input', () => {
  const body = serializeValue(new DagsterRun({ jobName: 'foo', runId: 'r', tags: { a: 'b' } }));

  it.each([
    ['pipeline_name', body.replace('"pipeline_name": "foo"', '"pipeline_name": 5'), '$.pipeline_name'],
    ['a tag value', body.replace('"tags": {"a": "b"}', '"tags": {"a": 1}'), '$.tags.a'],
    ['status', body.replace('"PipelineRunStatus.NOT_STARTED"', '"BulkActionStatus.REQUESTED"'), '$.status'],
    ['asset_selection', body.replace('"asset_selection": null', '"asset_selection": {"__frozenset__": ["a"]}'), '$.asset_selection[0]'],
  ])('a run body with a wrong-typed %s throws DeserializationError naming the path', (_what, text, path) => {
    expect(text).not.toBe(body);
    let error: unknown;
    try {
      deserializeValue(text, { as: DagsterRun });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DeserializationError);
    expect((error as DeserializationError).path).toBe(path);
  });

  it('a run body without its run id throws', () => {
    expect(() => deserializeValue(body.replace('"run_id": "r", ', ''), { as: DagsterRun })).toThrow(DeserializationError);
  });
});

describe('properties', () => {
  it('AssetKey strings read back to the same path and are valid JSON of it', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), (path) => {
        const text = new AssetKey(path).toString();
        expect(text).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(text)).toEqual(path);
        expect(AssetKey.fromString(text)?.path).toEqual(path);
      }),
      { numRuns: 500 },
    );
  });

  it('event log cursors parse back to what was written', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }), fc.boolean(), (value, byId) => {
        const cursor = byId ? EventLogCursor.fromStorageId(value) : EventLogCursor.fromOffset(value);
        const parsed = EventLogCursor.parse(cursor.toString());
        expect([parsed.cursorType, parsed.value]).toEqual([cursor.cursorType, value]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('log levels', () => {
  it('are stored as numbers, names coerced as Dagster does', () => {
    const entry = new EventLogEntry({ level: 'info', userMessage: 'm', runId: 'r', timestamp: 1 });
    expect(entry.level).toBe(20);
    expect(serializeValue(entry)).toContain('"level": 20');
    expect(serializeValue(entry)).toContain('"timestamp": 1.0');
    expect(() => new EventLogEntry({ level: 'loud', userMessage: 'm', runId: 'r', timestamp: 1 })).toThrow();
  });
});
