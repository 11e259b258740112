import { CorruptRowError, InvariantViolationError, StorageError } from '@inst/errors';
import { deserializeValue, serializeValue } from '@inst/serdes';
import type { AlembicVersion, MigrationOptions, ScheduleStorage } from '@inst/storage';
import {
  AutoMaterializeAssetEvaluationRecord,
  entityKeyFromDbString,
  InstigatorTick,
  TickData,
  type EntityKey,
  type InstigatorState,
  type InstigatorStatus,
  type InstigatorType,
  type TickStatus,
} from '@inst/types';
import { runDataMigrations, type DataMigration } from '../data-migrations.js';
import { isUniqueViolation, type SqlDriver, type SqlExecutor } from '../driver.js';
import { getRevision, hasSecondaryIndex, hasTable } from '../introspect.js';
import { upgradeSchema } from '../migrate.js';
import { HEAD_REVISION } from '../revisions.js';
import { SCHEDULE_STORAGE_METADATA } from '../schema/tables.js';
import { fromSqlTimestamp, toSqlTimestamp } from '../values.js';
import { evaluationColumns } from './schedule-evaluations.js';
import { OwnedDriver, type OwnedDriverOptions } from './owned-driver.js';
import {
  OPTIONAL_SCHEDULE_DATA_MIGRATIONS,
  parseInstigatorState,
  REQUIRED_SCHEDULE_DATA_MIGRATIONS,
  SCHEDULE_JOBS_SELECTOR_ID,
  SCHEDULE_TICKS_SELECTOR_ID,
} from './schedule-migrations.js';

/** Options of {@link SqlScheduleStorage}. */
/** The connection: a SQLite layout's `schedules` driver, or the instance's Postgres pool. */
export type SqlScheduleStorageOptions = OwnedDriverOptions;

/** Where instigator states are read from: `instigators` once built, else the legacy `jobs` table. */
interface StateSource {
  readonly table: 'instigators' | 'jobs';
  readonly body: string;
  readonly type: string;
  readonly repository: string;
}
const INSTIGATORS: StateSource = { table: 'instigators', body: 'instigator_body', type: 'instigator_type', repository: 'repository_selector_id' };
const JOBS: StateSource = { table: 'jobs', body: 'job_body', type: 'job_type', repository: 'repository_origin_id' };

interface TickRow {
  readonly id: number | string;
  readonly tick_body: string | null;
}

interface EvaluationRow {
  readonly id: number | string;
  readonly asset_key: string | null;
  readonly asset_evaluation_body: string | null;
  readonly evaluation_id: number | string | null;
  readonly create_timestamp: string | Date | null;
}

/** A WHERE clause under construction; values are always bound. */
class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];
  add(clause: string, ...params: unknown[]): this {
    this.clauses.push(clause);
    this.params.push(...params);
    return this;
  }
  /** `column IN (?, …)`; an empty list adds nothing (Dagster ignores empty filters). */
  in(column: string, values: readonly unknown[]): this {
    return values.length === 0 ? this : this.add(`${column} IN (${values.map(() => '?').join(', ')})`, ...values);
  }
  toString(): string {
    return this.clauses.length === 0 ? '' : ` WHERE ${this.clauses.join(' AND ')}`;
  }
}

const list = <T>(items: Iterable<T> | undefined): T[] => (items === undefined ? [] : [...items]);
const nowSql = (): string => toSqlTimestamp(new Date());

/**
 * Dagster's `SqlScheduleStorage` over an inst SQL driver, SQLite or Postgres: instigator states in `jobs`
 * and `instigators`, ticks in `job_ticks`, automation condition evaluations in
 * `asset_daemon_asset_evaluations` — read and written exactly as Dagster does, so both share a database.
 * Older databases work as they are: the `instigators` table is used only once it exists and the
 * `schedule_jobs_selector_id` migration is built, batch tick queries only once `schedule_ticks_selector_id` is.
 */
export class SqlScheduleStorage implements ScheduleStorage {
  readonly #owned: OwnedDriver;
  /** Probes answered yes. Tables are never dropped and built indexes never unbuilt, so only yes is kept. */
  readonly #present = new Set<string>();

  constructor(options: SqlScheduleStorageOptions) {
    this.#owned = new OwnedDriver(options, 'schedule storage');
  }

  #db(): SqlDriver {
    return this.#owned.driver;
  }

  async #probe(key: string, probe: () => Promise<boolean>): Promise<boolean> {
    if (this.#present.has(key)) return true;
    const present = await probe();
    if (present) this.#present.add(key);
    return present;
  }

  #hasInstigatorsTable(db: SqlExecutor): Promise<boolean> {
    return this.#probe('table:instigators', () => hasTable(db, 'instigators'));
  }

  #hasBuiltIndex(db: SqlExecutor, name: string): Promise<boolean> {
    return this.#probe(`index:${name}`, () => hasSecondaryIndex(db, name));
  }

  async #stateSource(db: SqlExecutor): Promise<StateSource> {
    const useInstigators = (await this.#hasInstigatorsTable(db)) && (await this.#hasBuiltIndex(db, SCHEDULE_JOBS_SELECTOR_ID));
    return useInstigators ? INSTIGATORS : JOBS;
  }

  // ------------------------------------------------------------------ instigator state

  async allInstigatorState(
    repositoryOriginId?: string,
    repositorySelectorId?: string,
    instigatorType?: InstigatorType,
    instigatorStatuses?: Iterable<InstigatorStatus>,
  ): Promise<InstigatorState[]> {
    const db = this.#db();
    const source = await this.#stateSource(db);
    const where = new Where();
    // The new table is scoped by repository selector, the old one by repository origin.
    const repository = source === INSTIGATORS ? repositorySelectorId : repositoryOriginId;
    if (repository) where.add(`${source.repository} = ?`, repository);
    if (instigatorType) where.add(`${source.type} = ?`, instigatorType);
    where.in('status', list(instigatorStatuses));
    const rows = await db.all<{ id: number | string; body: string | null }>(
      `SELECT id, ${source.body} AS body FROM ${source.table}${where} ORDER BY id`,
      where.params,
    );
    return rows.map((row) => parseInstigatorState(source.table, row.id, row.body));
  }

  async getInstigatorState(originId: string, selectorId: string): Promise<InstigatorState | undefined> {
    const db = this.#db();
    const source = await this.#stateSource(db);
    const where = source === INSTIGATORS ? new Where().add('selector_id = ?', selectorId) : new Where().add('job_origin_id = ?', originId);
    const row = await db.get<{ id: number | string; body: string | null }>(
      `SELECT id, ${source.body} AS body FROM ${source.table}${where} ORDER BY id LIMIT 1`,
      where.params,
    );
    return row === undefined ? undefined : parseInstigatorState(source.table, row.id, row.body);
  }

  async #hasState(tx: SqlExecutor, originId: string, selectorId: string): Promise<boolean> {
    const source = await this.#stateSource(tx);
    const sql = source === INSTIGATORS ? 'SELECT 1 AS found FROM instigators WHERE selector_id = ?' : 'SELECT 1 AS found FROM jobs WHERE job_origin_id = ?';
    return (await tx.get(sql, [source === INSTIGATORS ? selectorId : originId])) !== undefined;
  }

  /** Inserts or updates the state's `instigators` row (by selector id). */
  async #upsertInstigator(tx: SqlExecutor, state: InstigatorState, body: string): Promise<void> {
    await tx.run(
      `INSERT INTO instigators (selector_id, repository_selector_id, status, instigator_type, instigator_body)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (selector_id) DO UPDATE SET status = excluded.status, instigator_type = excluded.instigator_type,
         instigator_body = excluded.instigator_body, update_timestamp = ?`,
      [state.selectorId, state.repositorySelectorId, state.status, state.instigatorType, body, nowSql()],
    );
  }

  async addInstigatorState(state: InstigatorState): Promise<InstigatorState> {
    const body = serializeValue(state);
    const originId = state.instigatorOriginId;
    await this.#db().transaction(async (tx) => {
      const hasInstigators = await this.#hasInstigatorsTable(tx);
      try {
        await tx.run(
          'INSERT INTO jobs (job_origin_id, repository_origin_id, status, job_type, job_body, selector_id) VALUES (?, ?, ?, ?, ?, ?)',
          [originId, state.repositoryOriginId, state.status, state.instigatorType, body, state.selectorId],
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new InvariantViolationError(`InstigatorState ${originId} is already present in storage`, { cause: error, ids: { originId } });
      }
      if (hasInstigators) await this.#upsertInstigator(tx, state, body);
    });
    return state;
  }

  async updateInstigatorState(state: InstigatorState): Promise<InstigatorState> {
    const body = serializeValue(state);
    const originId = state.instigatorOriginId;
    await this.#db().transaction(async (tx) => {
      if (!(await this.#hasState(tx, originId, state.selectorId))) {
        throw new InvariantViolationError(`InstigatorState ${originId} is not present in storage`, { ids: { originId } });
      }
      await tx.run('UPDATE jobs SET status = ?, job_body = ?, update_timestamp = ?, selector_id = ? WHERE job_origin_id = ?', [
        state.status,
        body,
        nowSql(),
        state.selectorId,
        originId,
      ]);
      if (await this.#hasInstigatorsTable(tx)) await this.#upsertInstigator(tx, state, body);
    });
    return state;
  }

  async deleteInstigatorState(originId: string, selectorId: string): Promise<void> {
    await this.#db().transaction(async (tx) => {
      if (!(await this.#hasState(tx, originId, selectorId))) {
        throw new InvariantViolationError(`InstigatorState ${originId} is not present in storage`, { ids: { originId } });
      }
      await tx.run('DELETE FROM jobs WHERE job_origin_id = ?', [originId]);
      // Another origin (the same schedule loaded from elsewhere) may still use the selector's row.
      if (await this.#hasInstigatorsTable(tx)) {
        await tx.run('DELETE FROM instigators WHERE selector_id = ? AND NOT EXISTS (SELECT 1 FROM jobs WHERE selector_id = ?)', [selectorId, selectorId]);
      }
    });
  }

  // ------------------------------------------------------------------ ticks

  #tick(row: TickRow): InstigatorTick {
    let tickData: TickData;
    try {
      if (typeof row.tick_body !== 'string') throw new TypeError('the tick body is NULL');
      tickData = deserializeValue(row.tick_body, { as: TickData }) as TickData;
    } catch (cause) {
      throw new CorruptRowError('job_ticks', Number(row.id), { cause });
    }
    return new InstigatorTick({ tickId: Number(row.id), tickData });
  }

  /** The ticks of one instigator: by selector id, or by origin id for ticks stored without one. */
  async #tickScope(db: SqlExecutor, originId: string, selectorId: string): Promise<Where> {
    if (!(await this.#hasInstigatorsTable(db))) return new Where().add('job_origin_id = ?', originId);
    return new Where().add('(selector_id = ? OR (selector_id IS NULL AND job_origin_id = ?))', selectorId, originId);
  }

  /** Dagster's strict bounds; like Dagster, a 0 / missing bound or limit means none. */
  #addTimeBounds(where: Where, before: number | undefined, after: number | undefined): void {
    if (before) where.add('"timestamp" < ?', toSqlTimestamp(before));
    if (after) where.add('"timestamp" > ?', toSqlTimestamp(after));
  }

  async supportsBatchQueries(): Promise<boolean> {
    const db = this.#db();
    return (await this.#hasInstigatorsTable(db)) && (await this.#hasBuiltIndex(db, SCHEDULE_TICKS_SELECTOR_ID));
  }

  async getBatchTicks(selectorIds: readonly string[], limit?: number, statuses?: Iterable<TickStatus>): Promise<Map<string, InstigatorTick[]>> {
    const db = this.#db();
    const bySelector = new Map<string, InstigatorTick[]>();
    if (selectorIds.length === 0) return bySelector;
    const inner = new Where().in('selector_id', selectorIds).in('status', list(statuses));
    const outer = limit ? ' WHERE tick_rank <= ?' : '';
    // The id breaks ties of equal timestamps, so `limit` is honoured exactly.
    const rows = await db.all<TickRow & { selector_id: string }>(
      `SELECT id, selector_id, tick_body FROM (
         SELECT id, selector_id, tick_body, rank() OVER (PARTITION BY selector_id ORDER BY "timestamp" DESC, id DESC) AS tick_rank
         FROM job_ticks${inner}
       ) ranked${outer} ORDER BY selector_id, tick_rank`,
      limit ? [...inner.params, limit] : inner.params,
    );
    for (const row of rows) {
      const ticks = bySelector.get(row.selector_id) ?? [];
      ticks.push(this.#tick(row));
      bySelector.set(row.selector_id, ticks);
    }
    return bySelector;
  }

  async getTick(tickId: number): Promise<InstigatorTick> {
    const row = await this.#db().get<TickRow>('SELECT id, tick_body FROM job_ticks WHERE id = ?', [tickId]);
    if (row === undefined) throw new InvariantViolationError(`No tick with id ${tickId} in storage`, { ids: { tickId } });
    return this.#tick(row);
  }

  async getTicks(
    originId: string,
    selectorId: string,
    before?: number,
    after?: number,
    limit?: number,
    statuses?: Iterable<TickStatus>,
  ): Promise<InstigatorTick[]> {
    const db = this.#db();
    const where = await this.#tickScope(db, originId, selectorId);
    this.#addTimeBounds(where, before, after);
    where.in('status', list(statuses));
    const rows = await db.all<TickRow>(
      `SELECT id, tick_body FROM job_ticks${where} ORDER BY "timestamp" DESC, id DESC${limit ? ' LIMIT ?' : ''}`,
      limit ? [...where.params, limit] : where.params,
    );
    return rows.map((row) => this.#tick(row));
  }

  async createTick(tickData: TickData): Promise<InstigatorTick> {
    const db = this.#db();
    const selectorId = (await this.#hasInstigatorsTable(db)) && tickData.selectorId ? tickData.selectorId : null;
    const result = await db.run(
      'INSERT INTO job_ticks (job_origin_id, status, "type", "timestamp", tick_body, selector_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
      [tickData.instigatorOriginId, tickData.status, tickData.instigatorType, toSqlTimestamp(tickData.timestamp), serializeValue(tickData), selectorId],
    );
    if (result.lastInsertId === undefined) throw new StorageError('The tick insert returned no id');
    return new InstigatorTick({ tickId: result.lastInsertId, tickData });
  }

  async updateTick(tick: InstigatorTick): Promise<InstigatorTick> {
    const db = this.#db();
    const selector = (await this.#hasInstigatorsTable(db)) && tick.selectorId ? ', selector_id = ?' : '';
    const params: unknown[] = [tick.status, tick.instigatorType, toSqlTimestamp(tick.timestamp), serializeValue(tick.tickData)];
    if (selector) params.push(tick.selectorId);
    const result = await db.run(`UPDATE job_ticks SET status = ?, "type" = ?, "timestamp" = ?, tick_body = ?${selector} WHERE id = ?`, [...params, tick.tickId]);
    if (result.changes === 0) throw new InvariantViolationError(`No tick with id ${tick.tickId} in storage`, { ids: { tickId: tick.tickId } });
    return tick;
  }

  async purgeTicks(originId: string, selectorId: string, before: number, tickStatuses?: Iterable<TickStatus>): Promise<void> {
    const db = this.#db();
    const where = await this.#tickScope(db, originId, selectorId);
    where.add('"timestamp" < ?', toSqlTimestamp(before)).in('status', list(tickStatuses));
    await db.run(`DELETE FROM job_ticks${where}`, where.params);
  }

  // ------------------------------------------------------------------ automation condition evaluations

  async addAutoMaterializeAssetEvaluations(evaluationId: number, assetEvaluations: readonly unknown[]): Promise<void> {
    if (assetEvaluations.length === 0) return;
    const rows = assetEvaluations.map((evaluation) => ({ ...evaluationColumns(evaluation), body: serializeValue(evaluation) }));
    // The process clock, not the database's CURRENT_TIMESTAMP: a Postgres session outside UTC would shift it.
    const createdAt = nowSql();
    await this.#db().transaction(async (tx) => {
      for (const row of rows) {
        await tx.run(
          `INSERT INTO asset_daemon_asset_evaluations (evaluation_id, asset_key, asset_evaluation_body, num_requested, num_skipped, num_discarded, create_timestamp)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (asset_key, evaluation_id) DO UPDATE SET asset_evaluation_body = excluded.asset_evaluation_body,
             num_requested = excluded.num_requested, num_skipped = excluded.num_skipped, num_discarded = excluded.num_discarded`,
          [evaluationId, row.assetKey, row.body, row.numRequested, row.numSkipped, row.numDiscarded, createdAt],
        );
      }
    });
  }

  #evaluationRecord(row: EvaluationRow): AutoMaterializeAssetEvaluationRecord {
    try {
      if (row.asset_key === null || row.asset_evaluation_body === null || row.evaluation_id === null || row.create_timestamp === null) {
        throw new TypeError('a column is NULL');
      }
      return new AutoMaterializeAssetEvaluationRecord({
        id: Number(row.id),
        serializedEvaluationBody: row.asset_evaluation_body,
        evaluationId: Number(row.evaluation_id),
        timestamp: fromSqlTimestamp(row.create_timestamp),
        key: entityKeyFromDbString(row.asset_key),
      });
    } catch (cause) {
      throw new CorruptRowError('asset_daemon_asset_evaluations', Number(row.id), { cause });
    }
  }

  async getAutoMaterializeAssetEvaluations(key: EntityKey, limit: number, cursor?: number): Promise<AutoMaterializeAssetEvaluationRecord[]> {
    const where = new Where().add('asset_key = ?', key.toDbString());
    if (cursor) where.add('evaluation_id < ?', cursor);
    const rows = await this.#db().all<EvaluationRow>(
      `SELECT id, asset_key, asset_evaluation_body, evaluation_id, create_timestamp FROM asset_daemon_asset_evaluations${where}
       ORDER BY evaluation_id DESC LIMIT ?`,
      [...where.params, limit],
    );
    return rows.map((row) => this.#evaluationRecord(row));
  }

  async getAutoMaterializeEvaluationsForEvaluationId(evaluationId: number): Promise<AutoMaterializeAssetEvaluationRecord[]> {
    const rows = await this.#db().all<EvaluationRow>(
      'SELECT id, asset_key, asset_evaluation_body, evaluation_id, create_timestamp FROM asset_daemon_asset_evaluations WHERE evaluation_id = ? ORDER BY id',
      [evaluationId],
    );
    return rows.map((row) => this.#evaluationRecord(row));
  }

  async purgeAssetEvaluations(before: number): Promise<void> {
    await this.#db().run('DELETE FROM asset_daemon_asset_evaluations WHERE create_timestamp < ?', [toSqlTimestamp(before)]);
  }

  // ------------------------------------------------------------------ maintenance

  async wipe(): Promise<void> {
    await this.#db().transaction(async (tx) => {
      await tx.run('DELETE FROM jobs');
      await tx.run('DELETE FROM job_ticks');
      if (await this.#hasInstigatorsTable(tx)) await tx.run('DELETE FROM instigators');
      if (await hasTable(tx, 'asset_daemon_asset_evaluations')) await tx.run('DELETE FROM asset_daemon_asset_evaluations');
    });
  }

  async hasBuiltIndex(name: string): Promise<boolean> {
    return this.#hasBuiltIndex(this.#db(), name);
  }

  /** Dagster's `_execute_data_migrations`: each migration not built yet (or all, forced), then marked built. */
  async #runDataMigrations(migrations: readonly DataMigration[], options: MigrationOptions = {}): Promise<void> {
    const db = this.#db();
    await runDataMigrations(db, SCHEDULE_STORAGE_METADATA, {
      migrations,
      chunkSize: 100,
      log: options.printFn ?? (() => {}),
      force: options.forceRebuildAll ?? false,
    });
  }

  migrate(options?: MigrationOptions): Promise<void> {
    return this.#runDataMigrations(REQUIRED_SCHEDULE_DATA_MIGRATIONS, options);
  }

  optimize(options?: MigrationOptions): Promise<void> {
    return this.#runDataMigrations(OPTIONAL_SCHEDULE_DATA_MIGRATIONS, options);
  }

  async upgrade(options: MigrationOptions = {}): Promise<void> {
    // The data migrations run through migrate(), which knows forceRebuildAll.
    await upgradeSchema(this.#db(), SCHEDULE_STORAGE_METADATA, { dataMigrations: [], log: options.printFn });
    await this.migrate(options);
  }

  async alembicVersion(): Promise<AlembicVersion> {
    return { current: (await getRevision(this.#db())) ?? undefined, head: HEAD_REVISION };
  }

  /** Nothing to tune here: the driver's owner configures its connections. */
  async optimizeForWebserver(_statementTimeout: number, _poolRecycle: number, _maxOverflow?: number): Promise<void> {
    this.#db();
  }

  dispose(): Promise<void> {
    return this.#owned.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
