import { InstError, MigrationFailedError, MigrationRequiredError, StorageError } from '@inst/errors';
import type { SqlExecutor } from './driver.js';
import { runDataMigrations, SQL_DATA_MIGRATIONS, type DataMigration } from './data-migrations.js';
import {
  getRevision,
  hasColumn,
  hasIndex,
  hasSecondaryIndex,
  hasStatistics,
  hasTable,
  markSecondaryIndexBuilt,
  stampRevision,
} from './introspect.js';
import { HEAD_REVISION, REVISIONS, revisionIndex } from './revisions.js';
import { columnSql, createIndexSql, createStatisticsSql, createSchemaSql, createTableSql, quoteIdent } from './schema/render.js';
import type { ColumnDef, IndexDef, PostgresStatisticsDef, SchemaMetadata, TableDef } from './schema/types.js';

/*
 * Our migrations: one transaction per alembic revision, holding the revision's DDL *and* its
 * stamp, so a failure leaves schema and revision as they were. Which changes are missing is found
 * by probing (has table / column / index), not read off the revision — Dagster's own migrations
 * are guarded the same way, and fresh and migrated databases differ (facts §3.1).
 */

/** Postgres advisory lock held by every migration transaction ("inst" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x696e7374;

/**
 * Dagster revisions older than inst's baseline (284a732df317, Dagster 1.8.12), newest first: Dagster 1.3 – 1.8.
 * A storage whose tables did not change since one of them (schedule storage, often) is complete but stamped
 * with it; it is older, not newer, and `upgradeSchema` stamps it forward. Earlier revisions lack baseline
 * tables, so they are recognised as older by what is missing.
 */
export const PRE_BASELINE_REVISIONS: ReadonlySet<string> = new Set([
  '46b412388816', // add concurrency_limits table (1.7)
  '7dbe52b865b6', // asset_check_executions status index (1.5)
  'ec80dd91891a', // asset_check_executions table (1.5)
  '5771160a95ad', // concurrency_slots / pending_steps tables (1.3)
  'd3a4c9e87af3', // asset_daemon_asset_evaluations table (1.3)
  '701913684cb4', // Postgres primary keys (1.3)
  'd9092588866f', // primary key columns (1.3)
]);

/** Where a stamped revision stands against inst's chain: none, one of {@link REVISIONS}, older than it, or unknown (newer). */
export type RevisionStanding = 'none' | 'known' | 'older' | 'unknown';

export function revisionStanding(id: string | null | undefined): RevisionStanding {
  if (!id) return 'none';
  if (revisionIndex(id) >= 0) return 'known';
  return PRE_BASELINE_REVISIONS.has(id) ? 'older' : 'unknown';
}

/** Tables present in every metadata; their presence does not mean a metadata was created. */
const SHARED_TABLES = new Set(['secondary_indexes', 'alembic_version']);

/** One change a revision makes, derived from the `since`/`until` marks of the schema data. */
type Change =
  | { readonly kind: 'table'; readonly table: TableDef; readonly indexes: readonly IndexDef[] }
  | { readonly kind: 'column'; readonly table: string; readonly column: ColumnDef }
  | { readonly kind: 'index'; readonly index: IndexDef }
  | { readonly kind: 'drop-index'; readonly index: IndexDef }
  | { readonly kind: 'statistics'; readonly statistics: PostgresStatisticsDef };

function describeChange(change: Change): string {
  switch (change.kind) {
    case 'table':
      return `create table ${change.table.name}`;
    case 'column':
      return `add column ${change.table}.${change.column.name}`;
    case 'index':
      return `create index ${change.index.name}`;
    case 'drop-index':
      return `drop index ${change.index.name}`;
    case 'statistics':
      return `create statistics ${change.statistics.name}`;
  }
}

/** The changes `revision` makes to the tables of `metadata` (Postgres-only ones only on Postgres). */
function changesOf(metadata: SchemaMetadata, revision: string, dialect: SqlExecutor['dialect']): Change[] {
  const changes: Change[] = [];
  const newTables = new Set<string>();
  for (const table of metadata.tables) {
    if (table.since === revision) {
      newTables.add(table.name);
      const indexes = metadata.indexes.filter((i) => i.table === table.name && i.until === undefined);
      changes.push({ kind: 'table', table, indexes });
      continue;
    }
    for (const column of table.columns) if (column.since === revision) changes.push({ kind: 'column', table: table.name, column });
  }
  for (const index of metadata.indexes) {
    if (index.since === revision && !newTables.has(index.table)) changes.push({ kind: 'index', index });
    if (index.until === revision) changes.push({ kind: 'drop-index', index });
  }
  if (dialect === 'postgres') {
    for (const statistics of metadata.statistics) if (statistics.since === revision) changes.push({ kind: 'statistics', statistics });
  }
  return changes;
}

/** Whether the change is still to be made here (the probes of Dagster's migrations). */
async function isMissing(db: SqlExecutor, change: Change): Promise<boolean> {
  switch (change.kind) {
    case 'table':
      return !(await hasTable(db, change.table.name));
    case 'column':
      return (await hasTable(db, change.table)) && !(await hasColumn(db, change.table, change.column.name));
    case 'index':
      return (await hasTable(db, change.index.table)) && !(await hasIndex(db, change.index.table, change.index.name));
    case 'drop-index':
      return hasIndex(db, change.index.table, change.index.name);
    case 'statistics':
      return (await hasTable(db, change.statistics.table)) && !(await hasStatistics(db, change.statistics.name));
  }
}

async function applyChange(tx: SqlExecutor, change: Change): Promise<void> {
  const dialect = tx.dialect;
  switch (change.kind) {
    case 'table':
      await tx.run(createTableSql(change.table, dialect));
      for (const index of change.indexes) await tx.run(createIndexSql(index, dialect));
      return;
    case 'column':
      await tx.run(`ALTER TABLE ${quoteIdent(change.table)} ADD COLUMN ${columnSql(change.column, dialect)}`);
      return;
    case 'index':
      if (change.index.name === 'idx_run_tags_run_id') await dedupeRunTags(tx);
      // Not CONCURRENTLY (as Dagster's migrations are on Postgres): that cannot run inside the
      // step's transaction, and atomic steps matter more to an explicit `migrate` than not
      // blocking writers while the index builds.
      await tx.run(createIndexSql(change.index, dialect));
      return;
    case 'drop-index':
      await tx.run(`DROP INDEX IF EXISTS ${quoteIdent(change.index.name)}`);
      return;
    case 'statistics':
      for (const sql of createStatisticsSql(change.statistics)) await tx.run(sql);
      await tx.run(`ANALYZE ${quoteIdent(change.statistics.table)}`);
      return;
  }
}

/**
 * Exact duplicate tags (same key, value and run) would make the UNIQUE idx_run_tags_run_id fail
 * to build (Dagster's migration simply fails then); they carry no information, so keep the first.
 * Rows with a NULL among the three never conflict in a unique index and are left alone.
 */
async function dedupeRunTags(tx: SqlExecutor): Promise<void> {
  await tx.run(
    `DELETE FROM run_tags WHERE id IN (
       SELECT later.id FROM run_tags later JOIN run_tags earlier
         ON earlier."key" = later."key" AND earlier.value = later.value AND earlier.run_id = later.run_id AND earlier.id < later.id)`,
  );
}

/** A revision step still to apply to a database. */
export interface PendingStep {
  readonly revision: string;
  readonly description: string;
  /** What is missing here, e.g. `add column runs.backfill_id`. */
  readonly changes: readonly string[];
  /**
   * Whether queries may fail without it: a missing table or column. Missing indexes and
   * statistics only cost speed — a fresh Dagster database never gets `idx_run_tags_run_id`, and
   * Dagster considers it current — so they do not make {@link SchemaState.needsMigration} true.
   */
  readonly blocking: boolean;
}

/** What a database holds compared with inst's head schema for a metadata. */
export interface SchemaState {
  readonly dialect: SqlExecutor['dialect'];
  /** `alembic_version`'s revision, or `null` when there is none. */
  readonly revision: string | null;
  readonly head: string;
  /** None of the metadata's own tables exist: {@link upgradeSchema} (or {@link initializeSchema}) creates them all. */
  readonly empty: boolean;
  /** Tables of the baseline that are missing (created by {@link upgradeSchema}). */
  readonly missingTables: readonly string[];
  /**
   * Baseline columns that are missing (`table.column`): the database predates Dagster 1.8.12,
   * which inst does not upgrade from — run `dagster instance migrate` with Dagster first.
   */
  readonly missingColumns: readonly string[];
  /** Revisions whose changes are missing here. */
  readonly pendingSteps: readonly PendingStep[];
  /** Required secondary indexes (data migrations) not built yet. */
  readonly pendingDataMigrations: readonly string[];
  /** True when tables or columns are missing (an empty database, too): queries may fail until upgraded. */
  readonly needsMigration: boolean;
  /** Nothing missing (indexes included) and the revision is the head. */
  readonly upToDate: boolean;
  /**
   * Stamped with a revision inst does not know and nothing of inst's schema missing: written by a newer
   * Dagster (or inst). inst reads it but must not write to it.
   */
  readonly newerThanHead: boolean;
}

function ownTables(metadata: SchemaMetadata): TableDef[] {
  return metadata.tables.filter((t) => !SHARED_TABLES.has(t.name));
}

/** Baseline tables missing and baseline columns missing of present tables. */
async function baselineGaps(db: SqlExecutor, metadata: SchemaMetadata): Promise<{ tables: TableDef[]; columns: string[] }> {
  const tables: TableDef[] = [];
  const columns: string[] = [];
  for (const table of metadata.tables) {
    if (table.since !== undefined || table.name === 'alembic_version') continue;
    if (!(await hasTable(db, table.name))) {
      tables.push(table);
      continue;
    }
    for (const column of table.columns) {
      if (column.since === undefined && !(await hasColumn(db, table.name, column.name))) columns.push(`${table.name}.${column.name}`);
    }
  }
  return { tables, columns };
}

async function pendingSteps(db: SqlExecutor, metadata: SchemaMetadata): Promise<PendingStep[]> {
  const out: PendingStep[] = [];
  for (const revision of REVISIONS.slice(1)) {
    const missing: string[] = [];
    let blocking = false;
    for (const change of changesOf(metadata, revision.id, db.dialect)) {
      if (!(await isMissing(db, change))) continue;
      missing.push(describeChange(change));
      blocking ||= change.kind === 'table' || change.kind === 'column';
    }
    if (missing.length > 0) out.push({ revision: revision.id, description: revision.description, changes: missing, blocking });
  }
  return out;
}

async function isEmpty(db: SqlExecutor, metadata: SchemaMetadata): Promise<boolean> {
  for (const table of ownTables(metadata)) if (await hasTable(db, table.name)) return false;
  return true;
}

/** Compares a database with the head schema of `metadata` by probing. Read-only. */
export async function getSchemaState(db: SqlExecutor, metadata: SchemaMetadata): Promise<SchemaState> {
  const revision = await getRevision(db);
  const empty = await isEmpty(db, metadata);
  const gaps = empty ? { tables: [], columns: [] } : await baselineGaps(db, metadata);
  const steps = empty ? [] : await pendingSteps(db, metadata);
  const pendingData: string[] = [];
  const required = requiredSecondaryIndexes(metadata);
  if (!empty) for (const name of required) if (!(await hasSecondaryIndex(db, name))) pendingData.push(name);
  const needsMigration = empty || gaps.tables.length > 0 || gaps.columns.length > 0 || steps.some((s) => s.blocking);
  return {
    dialect: db.dialect,
    revision,
    head: HEAD_REVISION,
    empty,
    missingTables: gaps.tables.map((t) => t.name),
    missingColumns: gaps.columns,
    pendingSteps: steps,
    pendingDataMigrations: pendingData,
    needsMigration,
    upToDate: !needsMigration && steps.length === 0 && revision === HEAD_REVISION,
    newerThanHead: !empty && revisionStanding(revision) === 'unknown' && steps.length === 0 && gaps.tables.length === 0 && gaps.columns.length === 0,
  };
}

/** The required secondary indexes of a metadata (the optional ones gate nothing inst needs). */
function requiredSecondaryIndexes(metadata: SchemaMetadata): string[] {
  return metadata.secondaryIndexes.filter((name) => name !== 'run_start_end_overwritten' && name !== 'schedule_ticks_selector_id');
}

/** Dagster's wording, naming inst's command. */
export function migrationRequiredMessage(revision: string | null, head: string = HEAD_REVISION): string {
  return `Database is at revision ${revision ?? 'None'}, head is ${head}. To migrate, run \`inst instance migrate\`.`;
}

/** Throws {@link MigrationRequiredError} when the schema lacks something inst's queries need. */
export async function assertSchemaCurrent(db: SqlExecutor, metadata: SchemaMetadata): Promise<SchemaState> {
  const state = await getSchemaState(db, metadata);
  if (state.needsMigration) {
    throw new MigrationRequiredError(migrationRequiredMessage(state.revision, state.head), state.revision ?? undefined, state.head);
  }
  return state;
}

async function lockForMigration(tx: SqlExecutor): Promise<void> {
  // SQLite's BEGIN IMMEDIATE already serialises writers; Postgres needs a lock of its own.
  if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?) AS locked', [MIGRATION_LOCK_KEY]);
}

/**
 * Creates a metadata in a database that has none of its tables, as Dagster does for a fresh
 * database: `create_all`, stamp the head, and mark every secondary index built (there is no old
 * data to migrate). A database that already has them is left untouched (`'existing'`) — use
 * {@link upgradeSchema} to bring it up to date. Safe when several processes race to initialize:
 * everything happens in one write transaction (SQLite `BEGIN IMMEDIATE`, Postgres advisory lock)
 * that re-checks first.
 */
export async function initializeSchema(driver: SqlExecutor, metadata: SchemaMetadata): Promise<'created' | 'existing'> {
  return driver.transaction(async (tx) => {
    await lockForMigration(tx);
    if (!(await isEmpty(tx, metadata))) return 'existing';
    for (const sql of createSchemaSql(metadata, tx.dialect)) await tx.run(sql);
    // On Postgres the other storages' metadatas may already have stamped a revision; keep theirs.
    if ((await getRevision(tx)) === null) await stampRevision(tx, HEAD_REVISION);
    for (const name of metadata.secondaryIndexes) await markSecondaryIndexBuilt(tx, name);
    return 'created';
  });
}

/** Options of {@link upgradeSchema}. */
export interface UpgradeOptions {
  /** Progress messages (one per step and data migration). */
  readonly log?: (message: string) => void;
  /**
   * Data migrations to run after the schema steps, each once (until its secondary index is
   * marked built). Default {@link SQL_DATA_MIGRATIONS}; add the serdes-based ones here.
   */
  readonly dataMigrations?: readonly DataMigration[];
  /** Rows per data-migration transaction (Dagster's CHUNK_SIZE is 100). */
  readonly chunkSize?: number;
}

/** What {@link upgradeSchema} did. */
export interface UpgradeResult {
  readonly fromRevision: string | null;
  readonly toRevision: string | null;
  /** `true` when the database had none of the metadata's tables and was created fresh. */
  readonly created: boolean;
  readonly createdTables: readonly string[];
  /** Revisions applied (changes made and/or stamped), oldest first. */
  readonly appliedSteps: readonly string[];
  /** Data migrations that ran to completion. */
  readonly dataMigrations: readonly string[];
}

function wrapStepError(step: string, error: unknown): InstError {
  if (InstError.isInstance(error) && error.code === 'MIGRATION_FAILED') return error;
  return new MigrationFailedError(step, { cause: error });
}

/**
 * Brings a database up to inst's head schema for `metadata`:
 * 1. an empty database is created fresh ({@link initializeSchema});
 * 2. missing baseline tables are created (Dagster's `create_all` does that too); a database
 *    missing baseline *columns* predates Dagster 1.8.12 and is refused;
 * 3. each revision after the current one runs in its own transaction — its missing changes and its
 *    `alembic_version` stamp together — so a failure (reported as {@link MigrationFailedError})
 *    leaves schema and revision as the previous step left them;
 * 4. the data migrations run, in chunks, each marked built only when complete (so an interrupted
 *    one simply runs again).
 * Idempotent: running it on an up-to-date database changes nothing.
 */
export async function upgradeSchema(driver: SqlExecutor, metadata: SchemaMetadata, options: UpgradeOptions = {}): Promise<UpgradeResult> {
  const log = options.log ?? (() => {});
  const fromRevision = await getRevision(driver);

  if (await isEmpty(driver, metadata)) {
    try {
      const outcome = await initializeSchema(driver, metadata);
      if (outcome === 'created') {
        log(`Created the ${metadata.names.join(' + ')} schema at revision ${HEAD_REVISION}`);
        return {
          fromRevision,
          toRevision: await getRevision(driver),
          created: true,
          createdTables: metadata.tables.map((t) => t.name),
          appliedSteps: [],
          dataMigrations: [],
        };
      }
    } catch (error) {
      throw wrapStepError('create', error);
    }
  }

  const gaps = await baselineGaps(driver, metadata);
  if (gaps.columns.length > 0) {
    throw new MigrationFailedError('baseline', {
      cause: new StorageError(
        `The database predates Dagster 1.8.12 (revision ${fromRevision ?? 'None'}); missing columns: ${gaps.columns.join(', ')}. ` +
          'Upgrade it with `dagster instance migrate` first.',
      ),
    });
  }
  const createdTables: string[] = [];
  if (gaps.tables.length > 0) {
    try {
      await driver.transaction(async (tx) => {
        await lockForMigration(tx);
        for (const table of gaps.tables) {
          if (await hasTable(tx, table.name)) continue;
          await tx.run(createTableSql(table, tx.dialect));
          for (const index of metadata.indexes) if (index.table === table.name && index.until === undefined) await tx.run(createIndexSql(index, tx.dialect));
          createdTables.push(table.name);
          log(`Created missing table ${table.name}`);
        }
      });
    } catch (error) {
      throw wrapStepError('baseline', error);
    }
  }

  // Where to start stamping: a known revision says; no revision, or one of Dagster's pre-baseline revisions,
  // means "before everything"; an unknown one is older than the baseline if anything is missing, otherwise
  // newer (left alone: inst does not write to it).
  const steps = await pendingSteps(driver, metadata);
  let stampedIndex: number;
  const standing = revisionStanding(fromRevision);
  if (standing === 'none' || standing === 'older') stampedIndex = -1;
  else if (standing === 'known') stampedIndex = revisionIndex(fromRevision);
  else stampedIndex = steps.length > 0 || createdTables.length > 0 ? -1 : Number.POSITIVE_INFINITY;

  const applied: string[] = [];
  for (let i = 1; i < REVISIONS.length; i++) {
    const revision = REVISIONS[i]!;
    const changes = changesOf(metadata, revision.id, driver.dialect);
    const mayBeMissing = steps.some((s) => s.revision === revision.id);
    if (!mayBeMissing && i <= stampedIndex) continue;
    try {
      const did = await driver.transaction(async (tx) => {
        await lockForMigration(tx);
        // Re-probe under the lock: another process may have applied the step meanwhile.
        const made: string[] = [];
        for (const change of changes) {
          if (!(await isMissing(tx, change))) continue;
          await applyChange(tx, change);
          made.push(describeChange(change));
        }
        const current = await getRevision(tx);
        const currentIndex = current === null ? -1 : revisionIndex(current);
        const stamp = current === null || (currentIndex >= 0 ? currentIndex < i : i > stampedIndex);
        if (stamp) await stampRevision(tx, revision.id);
        return { made, stamped: stamp };
      });
      if (did.stamped) stampedIndex = i;
      if (did.made.length > 0 || did.stamped) {
        applied.push(revision.id);
        log(`${revision.id}: ${did.made.length > 0 ? did.made.join('; ') : 'nothing to change here'}${did.stamped ? ' (stamped)' : ''}`);
      }
    } catch (error) {
      throw wrapStepError(revision.id, error);
    }
  }

  const dataMigrations = await runDataMigrations(driver, metadata, {
    migrations: options.dataMigrations ?? SQL_DATA_MIGRATIONS,
    chunkSize: options.chunkSize ?? 100,
    log,
  });

  return {
    fromRevision,
    toRevision: await getRevision(driver),
    created: false,
    createdTables,
    appliedSteps: applied,
    dataMigrations,
  };
}
