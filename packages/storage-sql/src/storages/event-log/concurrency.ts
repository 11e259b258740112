import { InvalidArgumentError } from '@inst/errors';
import {
  ClaimedSlotInfo,
  ConcurrencyClaimStatus,
  ConcurrencyKeyInfo,
  ConcurrencySlotStatus,
  PendingStepInfo,
  PoolLimit,
} from '@inst/types';
import type { SqlExecutor } from '../../driver.js';
import { fromSqlBoolean, fromSqlTimestamp, toSqlTimestamp } from '../../values.js';
import type { EventLogContext, IndexSchema } from './context.js';
import { placeholders } from './rows.js';

/*
 * Global op concurrency ("pools") in the index database (facts §6.2): `concurrency_limits` one
 * row per key, `concurrency_slots` one row per slot (run/step set while claimed, `deleted` marks
 * slots to drop once freed), `pending_steps` one row per waiting or assigned step. Each operation
 * is one transaction; SQLite's BEGIN IMMEDIATE serialises writers, Postgres locks the slot rows.
 */

/** Dagster's `get_max_concurrency_limit_value`. */
export const MAX_CONCURRENCY_LIMIT = 1000;

function forUpdate(tx: SqlExecutor): string {
  return tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
}

/** Now as the naive-UTC column text (with microseconds, so that assignment order is kept). */
function now(): string {
  return toSqlTimestamp(new Date());
}

async function count(tx: SqlExecutor, sql: string, params: readonly unknown[]): Promise<number> {
  const row = await tx.get<{ n: number | bigint }>(sql, params);
  return Number(row?.n ?? 0);
}

/**
 * The limits table came after the slots table: fill it from the slots when it is empty but slots
 * exist (Dagster's `_reconcile_concurrency_limits_from_slots`).
 */
async function reconcileLimitsFromSlots(tx: SqlExecutor, schema: IndexSchema): Promise<void> {
  if (!schema.concurrencyLimits) return;
  if (!(await tx.get('SELECT 1 AS found FROM concurrency_slots LIMIT 1'))) return;
  if (await tx.get('SELECT 1 AS found FROM concurrency_limits LIMIT 1')) return;
  const rows = await tx.all<{ concurrency_key: string; n: number | bigint }>(
    'SELECT concurrency_key, COUNT(*) AS n FROM concurrency_slots WHERE deleted = ? GROUP BY concurrency_key',
    [false],
  );
  for (const row of rows) await tx.run('INSERT INTO concurrency_limits (concurrency_key, "limit") VALUES (?, ?)', [row.concurrency_key, Number(row.n)]);
}

/**
 * Makes `num` the number of live slots of a key: adds free slots, or marks the surplus deleted
 * (free ones first) and removes those not claimed. Returns one key per added slot, to assign.
 */
async function allocateSlots(tx: SqlExecutor, concurrencyKey: string, num: number): Promise<string[]> {
  const existing = await count(tx, 'SELECT COUNT(*) AS n FROM concurrency_slots WHERE concurrency_key = ? AND deleted = ?', [concurrencyKey, false]);
  if (existing > num) {
    const surplus = await tx.all<{ id: number | bigint }>(
      `SELECT id FROM concurrency_slots WHERE concurrency_key = ? AND deleted = ?
        ORDER BY CASE WHEN run_id IS NULL THEN 1 ELSE 0 END DESC, id DESC LIMIT ?`,
      [concurrencyKey, false, existing - num],
    );
    if (surplus.length > 0) {
      await tx.run(`UPDATE concurrency_slots SET deleted = ? WHERE id IN (${placeholders(surplus.length)})`, [true, ...surplus.map((r) => r.id)]);
    }
    // Claimed slots marked deleted go when they are freed.
    await tx.run('DELETE FROM concurrency_slots WHERE deleted = ? AND run_id IS NULL', [true]);
    return [];
  }
  const added: string[] = [];
  for (let i = existing; i < num; i++) {
    await tx.run('INSERT INTO concurrency_slots (concurrency_key, run_id, step_key, deleted, create_timestamp) VALUES (?, NULL, NULL, ?, ?)', [
      concurrencyKey,
      false,
      now(),
    ]);
    added.push(concurrencyKey);
  }
  return added;
}

/**
 * Assigns the next waiting step of each key (one per entry): highest priority, then oldest. One
 * statement per key; on Postgres the row is picked FOR UPDATE SKIP LOCKED, so two frees at once
 * assign two different steps rather than the same one twice.
 */
async function assignPendingSteps(tx: SqlExecutor, concurrencyKeys: readonly string[]): Promise<void> {
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  for (const key of concurrencyKeys) {
    await tx.run(
      `UPDATE pending_steps SET assigned_timestamp = ? WHERE id = (
         SELECT id FROM pending_steps WHERE concurrency_key = ? AND assigned_timestamp IS NULL ORDER BY priority DESC, create_timestamp ASC, id ASC LIMIT 1${lock}
       )`,
      [now(), key],
    );
  }
}

function checkSlotCount(num: number): void {
  if (!Number.isSafeInteger(num)) throw new InvalidArgumentError(`The number of slots must be an integer, got ${num}.`);
  if (num > MAX_CONCURRENCY_LIMIT) throw new InvalidArgumentError(`Cannot have more than ${MAX_CONCURRENCY_LIMIT} slots per concurrency key.`);
  if (num < 0) throw new InvalidArgumentError('Cannot have a negative number of slots.');
}

async function upsertLimit(tx: SqlExecutor, schema: IndexSchema, concurrencyKey: string, num: number): Promise<void> {
  if (!schema.concurrencyLimits) return;
  const row = await tx.get(`SELECT id FROM concurrency_limits WHERE concurrency_key = ?${forUpdate(tx)}`, [concurrencyKey]);
  const usingDefault = schema.defaultPoolLimitColumn ? ', using_default_limit = ?' : '';
  const defaultParam = schema.defaultPoolLimitColumn ? [false] : [];
  if (row) {
    await tx.run(`UPDATE concurrency_limits SET "limit" = ?, update_timestamp = ?${usingDefault} WHERE concurrency_key = ?`, [num, now(), ...defaultParam, concurrencyKey]);
  } else {
    await tx.run(
      `INSERT INTO concurrency_limits (concurrency_key, "limit"${schema.defaultPoolLimitColumn ? ', using_default_limit' : ''}) VALUES (?, ?${schema.defaultPoolLimitColumn ? ', ?' : ''})`,
      [concurrencyKey, num, ...defaultParam],
    );
  }
}

export async function setConcurrencySlots(ctx: EventLogContext, concurrencyKey: string, num: number): Promise<void> {
  checkSlotCount(num);
  const schema = await ctx.schema();
  await ctx.index.transaction(async (tx) => {
    await reconcileLimitsFromSlots(tx, schema);
    await upsertLimit(tx, schema, concurrencyKey, num);
    // New slots go to waiting steps right away rather than idling until the next free.
    await assignPendingSteps(tx, await allocateSlots(tx, concurrencyKey, num));
  });
}

export async function deleteConcurrencyLimit(ctx: EventLogContext, concurrencyKey: string): Promise<void> {
  const schema = await ctx.schema();
  await ctx.index.transaction(async (tx) => {
    await reconcileLimitsFromSlots(tx, schema);
    if (schema.concurrencyLimits) await tx.run('DELETE FROM concurrency_limits WHERE concurrency_key = ?', [concurrencyKey]);
    await allocateSlots(tx, concurrencyKey, 0);
  });
}

/**
 * Creates (or updates) the key's limit from the instance's default pool limit; false when there is
 * no default (or no instance), as Dagster's `initialize_concurrency_limit_to_default`.
 */
export async function initializeConcurrencyLimitToDefault(ctx: EventLogContext, concurrencyKey: string): Promise<boolean> {
  const schema = await ctx.schema();
  if (!schema.concurrencyLimits) return false;
  await ctx.index.transaction((tx) => reconcileLimitsFromSlots(tx, schema));
  if (!ctx.defaultPoolLimit) return false;
  const defaultLimit = ctx.defaultPoolLimit() ?? null;
  if (defaultLimit !== null) checkSlotCount(defaultLimit);
  if (defaultLimit === null) {
    // The default was removed: a limit taken from it goes too (false, as without a default, for back-compat).
    if (schema.defaultPoolLimitColumn) {
      await ctx.index.transaction(async (tx) => {
        await tx.run('DELETE FROM concurrency_limits WHERE concurrency_key = ?', [concurrencyKey]);
        await allocateSlots(tx, concurrencyKey, 0);
      });
    }
    return false;
  }
  await ctx.index.transaction(async (tx) => {
    const existing = await tx.get(`SELECT id FROM concurrency_limits WHERE concurrency_key = ?${forUpdate(tx)}`, [concurrencyKey]);
    if (!existing) {
      await tx.run(
        `INSERT INTO concurrency_limits (concurrency_key, "limit"${schema.defaultPoolLimitColumn ? ', using_default_limit' : ''}) VALUES (?, ?${schema.defaultPoolLimitColumn ? ', ?' : ''})`,
        [concurrencyKey, defaultLimit, ...(schema.defaultPoolLimitColumn ? [true] : [])],
      );
    } else if (schema.defaultPoolLimitColumn) {
      await tx.run('UPDATE concurrency_limits SET "limit" = ?, update_timestamp = ? WHERE concurrency_key = ? AND "limit" <> ?', [
        defaultLimit,
        now(),
        concurrencyKey,
        defaultLimit,
      ]);
    }
    await assignPendingSteps(tx, await allocateSlots(tx, concurrencyKey, defaultLimit));
  });
  return true;
}

export async function getConcurrencyKeys(ctx: EventLogContext): Promise<Set<string>> {
  const schema = await ctx.schema();
  await ctx.index.transaction((tx) => reconcileLimitsFromSlots(tx, schema));
  const rows = schema.concurrencyLimits
    ? await ctx.index.all<{ concurrency_key: string }>('SELECT concurrency_key FROM concurrency_limits')
    : await ctx.index.all<{ concurrency_key: string }>('SELECT DISTINCT concurrency_key FROM concurrency_slots WHERE deleted = ?', [false]);
  return new Set(rows.map((row) => row.concurrency_key));
}

export async function getPoolLimits(ctx: EventLogContext): Promise<PoolLimit[]> {
  const schema = await ctx.schema();
  await ctx.index.transaction((tx) => reconcileLimitsFromSlots(tx, schema));
  if (schema.concurrencyLimits) {
    const rows = await ctx.index.all<{ concurrency_key: string; limit: number | bigint; using_default_limit?: unknown }>(
      `SELECT concurrency_key, "limit"${schema.defaultPoolLimitColumn ? ', using_default_limit' : ''} FROM concurrency_limits ORDER BY id`,
    );
    return rows.map((row) => new PoolLimit({ name: row.concurrency_key, limit: Number(row.limit), fromDefault: fromSqlBoolean(row.using_default_limit) }));
  }
  const rows = await ctx.index.all<{ concurrency_key: string; n: number | bigint }>(
    'SELECT concurrency_key, COUNT(*) AS n FROM concurrency_slots WHERE deleted = ? GROUP BY concurrency_key',
    [false],
  );
  return rows.map((row) => new PoolLimit({ name: row.concurrency_key, limit: Number(row.n), fromDefault: false }));
}

export async function getConcurrencyInfo(ctx: EventLogContext, concurrencyKey: string): Promise<ConcurrencyKeyInfo> {
  const schema = await ctx.schema();
  return ctx.index.transaction(
    async (tx) => {
      const slots = await tx.all<{ run_id: string | null; step_key: string | null; deleted: unknown }>(
        'SELECT run_id, step_key, deleted FROM concurrency_slots WHERE concurrency_key = ? ORDER BY id',
        [concurrencyKey],
      );
      const slotCount = slots.filter((slot) => !fromSqlBoolean(slot.deleted)).length;
      let limit: number | null = slotCount;
      let usingDefaultLimit = false;
      if (schema.concurrencyLimits) {
        const row = await tx.get<{ limit: number | bigint; using_default_limit?: unknown }>(
          `SELECT "limit"${schema.defaultPoolLimitColumn ? ', using_default_limit' : ''} FROM concurrency_limits WHERE concurrency_key = ?`,
          [concurrencyKey],
        );
        if (row) {
          limit = Number(row.limit);
          usingDefaultLimit = fromSqlBoolean(row.using_default_limit);
        } else if (slotCount === 0) {
          limit = ctx.defaultPoolLimit?.() ?? null;
          usingDefaultLimit = true;
        }
      }
      const pending = await tx.all<{ run_id: string; step_key: string; assigned_timestamp: string | null; create_timestamp: string; priority: number | null }>(
        'SELECT run_id, step_key, assigned_timestamp, create_timestamp, priority FROM pending_steps WHERE concurrency_key = ? ORDER BY id',
        [concurrencyKey],
      );
      return new ConcurrencyKeyInfo({
        concurrencyKey,
        slotCount,
        claimedSlots: slots.filter((slot) => slot.run_id).map((slot) => new ClaimedSlotInfo({ runId: slot.run_id!, stepKey: slot.step_key! })),
        pendingSteps: pending.map(
          (row) =>
            new PendingStepInfo({
              runId: row.run_id,
              stepKey: row.step_key,
              enqueuedTimestamp: timestampDate(row.create_timestamp),
              assignedTimestamp: row.assigned_timestamp ? timestampDate(row.assigned_timestamp) : null,
              priority: row.priority,
            }),
        ),
        limit,
        usingDefaultLimit,
      });
    },
    { readOnly: true },
  );
}

function timestampDate(value: string | Date): Date {
  return new Date(fromSqlTimestamp(value) * 1000);
}

interface PendingClaimRow {
  assigned_timestamp: string | null;
  priority: number | null;
  create_timestamp: string | null;
  claimed: number | bigint;
}

/** The step's pending row and whether it holds a slot, in one statement. */
const CLAIM_STATUS_SQL = `SELECT p.assigned_timestamp, p.priority, p.create_timestamp,
    (SELECT COUNT(*) FROM concurrency_slots s WHERE s.concurrency_key = p.concurrency_key AND s.run_id = p.run_id AND s.step_key = p.step_key) AS claimed
  FROM pending_steps p WHERE p.run_id = ? AND p.step_key = ? AND p.concurrency_key = ?`;

/*
 * Postgres: each claim is ONE autocommit statement (data-modifying CTEs). A step already queued:
 * its pending row, whether it holds a slot, and — when it is assigned and holds none — the take of a
 * free slot (SKIP LOCKED: the slot rows stay the semaphore should assignments race). A new step:
 * the INSERT of its pending row, assigned at once when the key has more slots than assigned steps,
 * and the take when assigned. Same reads and writes as the transaction SQLite runs, in one round trip.
 */

/** Params: run, step, key, run, step, false (deleted). */
const PG_CLAIM_KNOWN_SQL = `WITH p AS (
    SELECT p.assigned_timestamp, p.priority, p.create_timestamp, p.concurrency_key,
      (SELECT COUNT(*) FROM concurrency_slots s WHERE s.concurrency_key = p.concurrency_key AND s.run_id = p.run_id AND s.step_key = p.step_key) AS held
    FROM pending_steps p WHERE p.run_id = ? AND p.step_key = ? AND p.concurrency_key = ?),
  take AS (
    UPDATE concurrency_slots SET run_id = ?, step_key = ? WHERE id = (
      SELECT s.id FROM concurrency_slots s, p WHERE s.concurrency_key = p.concurrency_key AND s.step_key IS NULL AND s.deleted = ?
        AND p.assigned_timestamp IS NOT NULL AND p.held = 0 LIMIT 1 FOR UPDATE OF s SKIP LOCKED
    ) RETURNING id)
  SELECT assigned_timestamp, priority, create_timestamp, held + (SELECT COUNT(*) FROM take) AS claimed FROM p`;

/** Params: run, step, key, priority, key, false, key, now, now, run, step, key, false. */
const PG_CLAIM_NEW_SQL = `WITH ins AS (
    INSERT INTO pending_steps (run_id, step_key, concurrency_key, priority, assigned_timestamp, create_timestamp)
    SELECT ?, ?, ?, ?::integer,
      CASE WHEN (SELECT COUNT(*) FROM concurrency_slots WHERE concurrency_key = ? AND deleted = ?)
              > (SELECT COUNT(*) FROM pending_steps WHERE concurrency_key = ? AND assigned_timestamp IS NOT NULL) THEN ?::timestamp END,
      ?::timestamp
    ON CONFLICT DO NOTHING
    RETURNING assigned_timestamp, priority, create_timestamp),
  take AS (
    UPDATE concurrency_slots SET run_id = ?, step_key = ? WHERE id = (
      SELECT s.id FROM concurrency_slots s WHERE s.concurrency_key = ? AND s.step_key IS NULL AND s.deleted = ?
        AND EXISTS (SELECT 1 FROM ins WHERE ins.assigned_timestamp IS NOT NULL) LIMIT 1 FOR UPDATE OF s SKIP LOCKED
    ) RETURNING id)
  SELECT assigned_timestamp, priority, create_timestamp, (SELECT COUNT(*) FROM take) AS claimed FROM ins`;

function statusOf(concurrencyKey: string, pending: PendingClaimRow | undefined): ConcurrencyClaimStatus {
  if (!pending) return new ConcurrencyClaimStatus({ concurrencyKey, slotStatus: ConcurrencySlotStatus.BLOCKED });
  const common = {
    concurrencyKey,
    priority: pending.priority || null,
    enqueuedTimestamp: pending.create_timestamp ? timestampDate(pending.create_timestamp) : null,
  };
  if (!pending.assigned_timestamp) return new ConcurrencyClaimStatus({ ...common, slotStatus: ConcurrencySlotStatus.BLOCKED });
  return new ConcurrencyClaimStatus({
    ...common,
    assignedTimestamp: timestampDate(pending.assigned_timestamp),
    slotStatus: Number(pending.claimed) > 0 ? ConcurrencySlotStatus.CLAIMED : ConcurrencySlotStatus.BLOCKED,
  });
}

async function claimStatus(tx: SqlExecutor, concurrencyKey: string, runId: string, stepKey: string): Promise<ConcurrencyClaimStatus> {
  return statusOf(concurrencyKey, await tx.get<PendingClaimRow>(CLAIM_STATUS_SQL, [runId, stepKey, concurrencyKey]));
}

export async function checkConcurrencyClaim(ctx: EventLogContext, concurrencyKey: string, runId: string, stepKey: string): Promise<ConcurrencyClaimStatus> {
  // One statement reads one snapshot: no transaction needed.
  return claimStatus(ctx.index, concurrencyKey, runId, stepKey);
}

/**
 * Queues the step (assigned at once when a slot is unassigned), then, once it is assigned, takes a
 * free slot row — the rows acting as a semaphore should the assignment have raced.
 *
 * A step that is already queued and still waits for its assignment (what most calls of a polling
 * claimer find), or already holds its slot, is answered by one read outside any transaction; only
 * a new or newly assigned claim opens one (issue #10: claims fast enough that a loaded machine
 * keeps up with a hundred claimers).
 */
export async function claimConcurrencySlot(
  ctx: EventLogContext,
  concurrencyKey: string,
  runId: string,
  stepKey: string,
  priority?: number,
): Promise<ConcurrencyClaimStatus> {
  if (ctx.index.dialect === 'postgres') {
    // One statement per call (was 1–7 round trips): the hot paths of a hundred claimers on a loaded machine.
    const known = await ctx.index.get<PendingClaimRow>(PG_CLAIM_KNOWN_SQL, [runId, stepKey, concurrencyKey, runId, stepKey, false]);
    if (known) return statusOf(concurrencyKey, known);
    const at = now();
    const queued = await ctx.index.get<PendingClaimRow>(PG_CLAIM_NEW_SQL, [runId, stepKey, concurrencyKey, priority || 0, concurrencyKey, false, concurrencyKey, at, at, runId, stepKey, concurrencyKey, false]);
    if (queued) return statusOf(concurrencyKey, queued);
    // Queued meanwhile by a concurrent call of the same step: answer as for a known step.
    const raced = await ctx.index.get<PendingClaimRow>(PG_CLAIM_KNOWN_SQL, [runId, stepKey, concurrencyKey, runId, stepKey, false]);
    return statusOf(concurrencyKey, raced);
  }
  const known = await ctx.index.get<PendingClaimRow>(CLAIM_STATUS_SQL, [runId, stepKey, concurrencyKey]);
  if (known && (!known.assigned_timestamp || Number(known.claimed) > 0)) return statusOf(concurrencyKey, known);
  return ctx.index.transaction(async (tx) => {
    let pending = known ? await tx.get<PendingClaimRow>(CLAIM_STATUS_SQL, [runId, stepKey, concurrencyKey]) : undefined;
    if (!pending) {
      const counts = await tx.get<{ assigned: number | bigint; slots: number | bigint }>(
        `SELECT (SELECT COUNT(*) FROM pending_steps WHERE concurrency_key = ? AND assigned_timestamp IS NOT NULL) AS assigned,
                (SELECT COUNT(*) FROM concurrency_slots WHERE concurrency_key = ? AND deleted = ?) AS slots`,
        [concurrencyKey, concurrencyKey, false],
      );
      const at = now();
      await tx.run(
        `INSERT INTO pending_steps (run_id, step_key, concurrency_key, priority, assigned_timestamp, create_timestamp) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        [runId, stepKey, concurrencyKey, priority || 0, Number(counts?.slots ?? 0) > Number(counts?.assigned ?? 0) ? at : null, at],
      );
      pending = await tx.get<PendingClaimRow>(CLAIM_STATUS_SQL, [runId, stepKey, concurrencyKey]);
    }
    const status = statusOf(concurrencyKey, pending);
    if (status.isClaimed || !status.isAssigned) return status;
    // Take a free slot in the same statement that finds it (Postgres: skipping rows other claimers have locked).
    const taken = await tx.get<{ id: number | bigint }>(
      tx.dialect === 'postgres'
        ? `UPDATE concurrency_slots SET run_id = ?, step_key = ? WHERE id = (
             SELECT id FROM concurrency_slots WHERE concurrency_key = ? AND step_key IS NULL AND deleted = ? LIMIT 1 FOR UPDATE SKIP LOCKED
           ) RETURNING id`
        : `UPDATE concurrency_slots SET run_id = ?, step_key = ? WHERE id = (
             SELECT id FROM concurrency_slots WHERE concurrency_key = ? AND step_key IS NULL AND deleted = ? LIMIT 1
           ) RETURNING id`,
      [runId, stepKey, concurrencyKey, false],
    );
    return status.withSlotStatus(taken ? ConcurrencySlotStatus.CLAIMED : ConcurrencySlotStatus.BLOCKED);
  });
}

export async function getConcurrencyRunIds(ctx: EventLogContext): Promise<Set<string>> {
  const rows = await ctx.index.all<{ run_id: string }>('SELECT DISTINCT run_id FROM pending_steps');
  return new Set(rows.map((row) => row.run_id));
}

/**
 * Frees the slots of a run (or one of its steps), drops its pending steps, and assigns the freed
 * capacity to the next waiting steps. Runs in the caller's transaction.
 */
export async function freeConcurrencySlots(tx: SqlExecutor, runId: string, stepKey?: string): Promise<void> {
  const stepFilter = stepKey === undefined ? '' : ' AND step_key = ?';
  const stepParam = stepKey === undefined ? [] : [stepKey];
  // Slots removed by a downsize while claimed go now; the others are released (row-locked by the UPDATE itself).
  await tx.run(`DELETE FROM concurrency_slots WHERE run_id = ? AND deleted = ?${stepFilter}`, [runId, true, ...stepParam]);
  await tx.run(`UPDATE concurrency_slots SET run_id = NULL, step_key = NULL WHERE run_id = ?${stepFilter}`, [runId, ...stepParam]);
  const removed = await tx.all<{ assigned_timestamp: string | null; concurrency_key: string }>(
    `DELETE FROM pending_steps WHERE run_id = ?${stepFilter} RETURNING assigned_timestamp, concurrency_key`,
    [runId, ...stepParam],
  );
  if (removed.length === 0) return;
  await assignPendingSteps(
    tx,
    removed.filter((row) => row.assigned_timestamp !== null).map((row) => row.concurrency_key),
  );
}

export async function freeConcurrencySlotsForRun(ctx: EventLogContext, runId: string): Promise<void> {
  if (!(await ctx.schema()).concurrencySlots) return;
  await ctx.index.transaction((tx) => freeConcurrencySlots(tx, runId));
}

export async function freeConcurrencySlotForStep(ctx: EventLogContext, runId: string, stepKey: string): Promise<void> {
  if (!(await ctx.schema()).concurrencySlots) return;
  // Postgres: what freeConcurrencySlots does for one step, as one autocommit statement (was 6 round trips).
  if (ctx.index.dialect === 'postgres') await ctx.index.run(PG_FREE_STEP_SQL, [runId, stepKey, true, runId, stepKey, false, runId, stepKey, now()]);
  else await ctx.index.transaction((tx) => freeConcurrencySlots(tx, runId, stepKey));
}

/**
 * Frees one step's slot and pending row, and assigns the next waiting step of its key when the
 * freed row was assigned (a step holds at most one pending row per key, so at most one per key).
 * The CTEs touch disjoint rows (deleted vs live slots), as each sees the statement's one snapshot.
 * Params: run, step, true, run, step, false, run, step, now.
 */
const PG_FREE_STEP_SQL = `WITH gone AS (
    DELETE FROM concurrency_slots WHERE run_id = ? AND step_key = ? AND deleted = ? RETURNING id),
  released AS (
    UPDATE concurrency_slots SET run_id = NULL, step_key = NULL WHERE run_id = ? AND step_key = ? AND deleted = ? RETURNING id),
  removed AS (
    DELETE FROM pending_steps WHERE run_id = ? AND step_key = ? RETURNING assigned_timestamp, concurrency_key),
  next AS (
    SELECT (SELECT p.id FROM pending_steps p WHERE p.concurrency_key = r.concurrency_key AND p.assigned_timestamp IS NULL
            ORDER BY p.priority DESC, p.create_timestamp ASC, p.id ASC LIMIT 1 FOR UPDATE SKIP LOCKED) AS id
    FROM removed r WHERE r.assigned_timestamp IS NOT NULL)
  UPDATE pending_steps SET assigned_timestamp = ?::timestamp WHERE id IN (SELECT id FROM next)`;
