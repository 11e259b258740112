import type { ColumnDef, IndexDef, MetadataName, PostgresStatisticsDef, SchemaMetadata, TableDef } from './types.js';

/*
 * Dagster's three metadatas as a fresh `create_all` + `stamp head` produces them (facts §1):
 * column order as in `schema.py` (checked against the fresh-created 1.8.12 dump), plus what the
 * revisions after 1.8.12 added, at the end of their tables as `schema.py` declares them.
 * The 2026 candidate tables and columns marked [uncertain] in the facts are left out.
 */

const id: ColumnDef = { name: 'id', type: 'id', nullable: false };
const createTimestamp: ColumnDef = { name: 'create_timestamp', type: 'datetime', default: 'current_timestamp' };
const updateTimestamp: ColumnDef = { name: 'update_timestamp', type: 'datetime', default: 'current_timestamp' };
const varchar = (name: string, length: number, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'varchar', length, ...extra });
const text = (name: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'text', ...extra });

/** `secondary_indexes`: the same shape in all three metadatas. */
const secondaryIndexesTable: TableDef = {
  name: 'secondary_indexes',
  columns: [
    id,
    varchar('name', 512, { unique: true }),
    createTimestamp,
    { name: 'migration_completed', type: 'datetime' },
  ],
};

/** `alembic_version`, as alembic creates it when stamping. */
const alembicVersionTable: TableDef = {
  name: 'alembic_version',
  columns: [varchar('version_num', 32, { nullable: false })],
  primaryKey: { name: 'alembic_version_pkc', columns: ['version_num'] },
};

// ---------------------------------------------------------------------------------------------
// Run storage (`runs/schema.py`, RunStorageSqlMetadata) — SQLite file history/runs.db
// ---------------------------------------------------------------------------------------------

const runStorageTables: TableDef[] = [
  {
    name: 'snapshots',
    columns: [
      id,
      varchar('snapshot_id', 255, { nullable: false, unique: true }),
      { name: 'snapshot_body', type: 'blob', nullable: false },
      varchar('snapshot_type', 63, { nullable: false }),
    ],
  },
  {
    name: 'runs',
    columns: [
      id,
      varchar('run_id', 255, { unique: true }),
      varchar('snapshot_id', 255, {
        references: { table: 'snapshots', column: 'snapshot_id', name: 'fk_runs_snapshot_id_snapshots_snapshot_id' },
      }),
      text('pipeline_name'),
      text('mode'),
      varchar('status', 63),
      text('run_body'),
      text('partition'),
      text('partition_set'),
      createTimestamp,
      updateTimestamp,
      { name: 'start_time', type: 'float' },
      { name: 'end_time', type: 'float' },
      varchar('backfill_id', 255, { since: '63d7a8ec641a' }),
    ],
  },
  {
    name: 'run_tags',
    columns: [
      id,
      varchar('run_id', 255, { references: { table: 'runs', column: 'run_id', onDelete: 'CASCADE' } }),
      text('key'),
      text('value'),
    ],
  },
  secondaryIndexesTable,
  {
    name: 'daemon_heartbeats',
    columns: [
      id,
      varchar('daemon_type', 255, { nullable: false, unique: true }),
      varchar('daemon_id', 255),
      { name: 'timestamp', type: 'timestamp', nullable: false },
      text('body'),
    ],
  },
  {
    name: 'bulk_actions',
    columns: [
      id,
      varchar('key', 32, { nullable: false, unique: true }),
      varchar('status', 255, { nullable: false }),
      { name: 'timestamp', type: 'timestamp', nullable: false },
      text('body'),
      varchar('action_type', 32),
      text('selector_id'),
      text('job_name', { since: '16e3655b4d9b' }),
    ],
  },
  {
    name: 'backfill_tags',
    since: '16e3655b4d9b',
    columns: [id, varchar('backfill_id', 255), text('key'), text('value')],
  },
  { name: 'instance_info', columns: [id, text('run_storage_id')] },
  { name: 'kvs', columns: [id, text('key', { nullable: false }), text('value')] },
  alembicVersionTable,
];

const runStorageIndexes: IndexDef[] = [
  // Fresh Dagster databases get idx_run_tags(key, value) from schema.py; revision 6b7fb194ff9c
  // replaces it on migrated ones. inst creates the migrated form on fresh databases too, so fresh
  // and migrated databases agree (Dagster's own 2026 revision 09e0cfebad78 re-adds it to fresh ones).
  { name: 'idx_run_tags', table: 'run_tags', columns: ['key', 'value'], until: '6b7fb194ff9c' },
  { name: 'idx_run_tags_run_id', table: 'run_tags', columns: ['key', 'value', 'run_id'], unique: true, since: '6b7fb194ff9c' },
  { name: 'idx_run_tags_run_idx', table: 'run_tags', columns: ['run_id', 'id'] },
  { name: 'idx_run_partitions', table: 'runs', columns: ['partition_set', 'partition'] },
  { name: 'idx_runs_by_job', table: 'runs', columns: ['pipeline_name', 'id'] },
  // Migrated databases have UNIQUE idx_bulk_actions_key(key) instead (from the 0.10 migration
  // that created bulk_actions); both coexist with the bulk_actions_key_key constraint, so no
  // revision converts one into the other.
  { name: 'idx_bulk_actions', table: 'bulk_actions', columns: ['key'] },
  { name: 'idx_bulk_actions_status', table: 'bulk_actions', columns: ['status'] },
  { name: 'idx_bulk_actions_action_type', table: 'bulk_actions', columns: ['action_type'] },
  { name: 'idx_bulk_actions_selector_id', table: 'bulk_actions', columns: ['selector_id'] },
  { name: 'idx_run_status', table: 'runs', columns: ['status'] },
  { name: 'idx_run_range', table: 'runs', columns: ['status', 'update_timestamp', 'create_timestamp'] },
  { name: 'idx_kvs_keys_unique', table: 'kvs', columns: ['key'], unique: true },
  { name: 'idx_runs_by_backfill_id', table: 'runs', columns: ['backfill_id', 'id'], since: '1aca709bba64' },
  { name: 'idx_backfill_tags_backfill_id', table: 'backfill_tags', columns: ['backfill_id', 'id'], since: '16e3655b4d9b' },
];

const runStorageStatistics: PostgresStatisticsDef[] = [
  {
    name: 'run_tags_key_value_stats',
    table: 'run_tags',
    kinds: ['dependencies', 'ndistinct'],
    columns: ['key', 'value'],
    statisticsTarget: { column: 'value', target: 500 },
    since: 'd5c0e2416d9e',
  },
];

/** Secondary indexes of the run storage (`runs/migration.py`): REQUIRED ones, then OPTIONAL. */
export const RUN_SECONDARY_INDEXES = {
  required: [
    'run_partitions',
    'run_repo_label_tags',
    'bulk_action_types',
    'run_backfill_id',
    'backfill_job_name_and_tags',
    'backfill_end_timestamp',
  ],
  optional: ['run_start_end_overwritten'],
} as const;

/** Secondary indexes of the event log (`event_log/migration.py`). */
export const EVENT_LOG_SECONDARY_INDEXES = { required: ['asset_key_table', 'asset_key_index_columns'], optional: [] } as const;

/** Secondary indexes of the schedule storage (`schedules/migration.py`). */
export const SCHEDULE_SECONDARY_INDEXES = {
  required: ['schedule_jobs_selector_id'],
  optional: ['schedule_ticks_selector_id'],
} as const;

/** Dagster's `RunStorageSqlMetadata`: the tables of `history/runs.db`. */
export const RUN_STORAGE_METADATA: SchemaMetadata = {
  names: ['runs'],
  tables: runStorageTables,
  indexes: runStorageIndexes,
  statistics: runStorageStatistics,
  secondaryIndexes: [...RUN_SECONDARY_INDEXES.required, ...RUN_SECONDARY_INDEXES.optional],
};

// ---------------------------------------------------------------------------------------------
// Event log (`event_log/schema.py`, SqlEventLogStorageMetadata) — history/runs/index.db and every
// per-run shard history/runs/<run_id>.db
// ---------------------------------------------------------------------------------------------

const eventLogTables: TableDef[] = [
  {
    name: 'event_logs',
    columns: [
      id,
      varchar('run_id', 255),
      text('event', { nullable: false }),
      text('dagster_event_type'),
      { name: 'timestamp', type: 'timestamp' },
      text('step_key'),
      text('asset_key'),
      text('partition'),
    ],
  },
  secondaryIndexesTable,
  {
    name: 'asset_keys',
    columns: [
      id,
      varchar('asset_key', 512, { unique: true }),
      text('last_materialization'),
      varchar('last_run_id', 255),
      text('asset_details'),
      { name: 'wipe_timestamp', type: 'timestamp' },
      { name: 'last_materialization_timestamp', type: 'timestamp' },
      text('tags'),
      createTimestamp,
      text('cached_status_data'),
    ],
  },
  {
    // No foreign key to event_logs in schema.py; old migrated Postgres databases have one.
    name: 'asset_event_tags',
    columns: [
      id,
      { name: 'event_id', type: 'bigint' },
      text('asset_key', { nullable: false }),
      text('key', { nullable: false }),
      text('value'),
      { name: 'event_timestamp', type: 'timestamp' },
    ],
  },
  {
    name: 'dynamic_partitions',
    columns: [id, text('partitions_def_name', { nullable: false }), text('partition', { nullable: false }), createTimestamp],
  },
  {
    name: 'concurrency_limits',
    columns: [
      id,
      varchar('concurrency_key', 512, { nullable: false, unique: true }),
      { name: 'limit', type: 'integer', nullable: false },
      { name: 'using_default_limit', type: 'boolean', nullable: false, default: 'false', since: '7e2f3204cf8e' },
      updateTimestamp,
      createTimestamp,
    ],
  },
  {
    name: 'concurrency_slots',
    columns: [
      id,
      text('concurrency_key', { nullable: false }),
      text('run_id'),
      text('step_key'),
      { name: 'deleted', type: 'boolean', nullable: false },
      createTimestamp,
    ],
  },
  {
    name: 'pending_steps',
    columns: [
      id,
      text('concurrency_key', { nullable: false }),
      text('run_id'),
      text('step_key'),
      { name: 'priority', type: 'integer' },
      { name: 'assigned_timestamp', type: 'datetime' },
      createTimestamp,
    ],
  },
  {
    name: 'asset_check_executions',
    columns: [
      id,
      text('asset_key'),
      text('check_name'),
      text('partition'),
      varchar('run_id', 255),
      varchar('execution_status', 255),
      text('evaluation_event'),
      { name: 'evaluation_event_timestamp', type: 'datetime' },
      { name: 'evaluation_event_storage_id', type: 'bigint' },
      { name: 'materialization_event_storage_id', type: 'bigint' },
      createTimestamp,
    ],
  },
  alembicVersionTable,
];

const eventLogIndexes: IndexDef[] = [
  {
    name: 'idx_asset_check_executions',
    table: 'asset_check_executions',
    columns: ['asset_key', 'check_name', 'materialization_event_storage_id', 'partition'],
  },
  {
    name: 'idx_asset_check_executions_unique',
    table: 'asset_check_executions',
    columns: ['asset_key', 'check_name', 'run_id', 'partition'],
    unique: true,
  },
  { name: 'idx_step_key', table: 'event_logs', columns: ['step_key'] },
  { name: 'idx_event_type', table: 'event_logs', columns: ['dagster_event_type', 'id'] },
  { name: 'idx_asset_event_tags', table: 'asset_event_tags', columns: ['asset_key', 'key', 'value'] },
  { name: 'idx_asset_event_tags_event_id', table: 'asset_event_tags', columns: ['event_id'] },
  { name: 'idx_events_by_run_id', table: 'event_logs', columns: ['run_id', 'id'] },
  {
    name: 'idx_events_by_asset',
    table: 'event_logs',
    columns: ['asset_key', 'dagster_event_type', 'id'],
    postgresWhere: 'asset_key IS NOT NULL',
  },
  {
    name: 'idx_events_by_asset_partition',
    table: 'event_logs',
    columns: ['asset_key', 'dagster_event_type', 'partition', 'id'],
    postgresWhere: 'asset_key IS NOT NULL AND partition IS NOT NULL',
  },
  { name: 'idx_dynamic_partitions', table: 'dynamic_partitions', columns: ['partitions_def_name', 'partition'], unique: true },
  { name: 'idx_pending_steps', table: 'pending_steps', columns: ['concurrency_key', 'run_id', 'step_key'], unique: true },
];

/** Dagster's `SqlEventLogStorageMetadata`: the tables of `index.db` and of every run shard. */
export const EVENT_LOG_METADATA: SchemaMetadata = {
  names: ['event_log'],
  tables: eventLogTables,
  indexes: eventLogIndexes,
  statistics: [],
  secondaryIndexes: [...EVENT_LOG_SECONDARY_INDEXES.required, ...EVENT_LOG_SECONDARY_INDEXES.optional],
};

// ---------------------------------------------------------------------------------------------
// Schedules (`schedules/schema.py`, ScheduleStorageSqlMetadata) — schedules/schedules.db
// ---------------------------------------------------------------------------------------------

const scheduleTables: TableDef[] = [
  {
    name: 'jobs',
    columns: [
      id,
      varchar('job_origin_id', 255, { unique: true }),
      varchar('selector_id', 255),
      varchar('repository_origin_id', 255),
      varchar('status', 63),
      varchar('job_type', 63),
      text('job_body'),
      createTimestamp,
      updateTimestamp,
    ],
  },
  {
    name: 'instigators',
    columns: [
      id,
      varchar('selector_id', 255, { unique: true }),
      varchar('repository_selector_id', 255),
      varchar('status', 63),
      varchar('instigator_type', 63),
      text('instigator_body'),
      createTimestamp,
      updateTimestamp,
    ],
  },
  {
    name: 'job_ticks',
    columns: [
      id,
      varchar('job_origin_id', 255),
      varchar('selector_id', 255),
      varchar('status', 63),
      varchar('type', 63),
      { name: 'timestamp', type: 'timestamp' },
      text('tick_body'),
      createTimestamp,
      updateTimestamp,
    ],
  },
  {
    name: 'asset_daemon_asset_evaluations',
    columns: [
      id,
      { name: 'evaluation_id', type: 'bigint' },
      text('asset_key'),
      text('asset_evaluation_body'),
      { name: 'num_requested', type: 'integer' },
      { name: 'num_skipped', type: 'integer' },
      { name: 'num_discarded', type: 'integer' },
      createTimestamp,
    ],
  },
  secondaryIndexesTable,
  alembicVersionTable,
];

const scheduleIndexes: IndexDef[] = [
  // `index=True` columns: SQLAlchemy names them ix_<table>_<column>.
  { name: 'ix_jobs_job_type', table: 'jobs', columns: ['job_type'] },
  { name: 'ix_instigators_instigator_type', table: 'instigators', columns: ['instigator_type'] },
  { name: 'ix_job_ticks_job_origin_id', table: 'job_ticks', columns: ['job_origin_id'] },
  {
    name: 'ix_asset_daemon_asset_evaluations_evaluation_id',
    table: 'asset_daemon_asset_evaluations',
    columns: ['evaluation_id'],
  },
  { name: 'idx_job_tick_status', table: 'job_ticks', columns: ['job_origin_id', 'status'] },
  { name: 'idx_job_tick_timestamp', table: 'job_ticks', columns: ['job_origin_id', 'timestamp'] },
  { name: 'idx_tick_selector_timestamp', table: 'job_ticks', columns: ['selector_id', 'timestamp'] },
  {
    name: 'idx_asset_daemon_asset_evaluations_asset_key_evaluation_id',
    table: 'asset_daemon_asset_evaluations',
    columns: ['asset_key', 'evaluation_id'],
    unique: true,
  },
];

/** Dagster's `ScheduleStorageSqlMetadata`: the tables of `schedules/schedules.db`. */
export const SCHEDULE_STORAGE_METADATA: SchemaMetadata = {
  names: ['schedules'],
  tables: scheduleTables,
  indexes: scheduleIndexes,
  statistics: [],
  secondaryIndexes: [...SCHEDULE_SECONDARY_INDEXES.required, ...SCHEDULE_SECONDARY_INDEXES.optional],
};

/**
 * Several metadatas in one database — Postgres keeps all three together, sharing one
 * `secondary_indexes` and one `alembic_version`.
 */
export function mergeMetadata(...parts: readonly SchemaMetadata[]): SchemaMetadata {
  const tables = new Map<string, TableDef>();
  const indexes = new Map<string, IndexDef>();
  const statistics = new Map<string, PostgresStatisticsDef>();
  const names = new Set<MetadataName>();
  const secondary = new Set<string>();
  for (const part of parts) {
    part.names.forEach((n) => names.add(n));
    part.tables.forEach((t) => tables.has(t.name) || tables.set(t.name, t));
    part.indexes.forEach((i) => indexes.has(i.name) || indexes.set(i.name, i));
    part.statistics.forEach((s) => statistics.has(s.name) || statistics.set(s.name, s));
    part.secondaryIndexes.forEach((s) => secondary.add(s));
  }
  // alembic_version last, as alembic creates it when stamping after create_all.
  const ordered = [...tables.values()].sort((a, b) => Number(a.name === 'alembic_version') - Number(b.name === 'alembic_version'));
  return {
    names: [...names],
    tables: ordered,
    indexes: [...indexes.values()],
    statistics: [...statistics.values()],
    secondaryIndexes: [...secondary],
  };
}

/** The union of the three metadatas: one Postgres database. */
export const ALL_METADATA: SchemaMetadata = mergeMetadata(RUN_STORAGE_METADATA, EVENT_LOG_METADATA, SCHEDULE_STORAGE_METADATA);

/** A metadata by name. */
export function metadataFor(name: MetadataName): SchemaMetadata {
  switch (name) {
    case 'runs':
      return RUN_STORAGE_METADATA;
    case 'event_log':
      return EVENT_LOG_METADATA;
    case 'schedules':
      return SCHEDULE_STORAGE_METADATA;
  }
}
