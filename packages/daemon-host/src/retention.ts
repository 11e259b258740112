/**
 * Retention beyond Dagster's tick retention (which the scheduler and sensor daemons apply after every tick): optional
 * purging of finished runs and of event-log rows by age, level and type, in chunks (each chunk its own short
 * statement, so no long lock is held), keeping asset-bearing events — and runs that carry them — unless the policy
 * says otherwise. Dagster has no such retention (issue #4100); PR #33863 proposes deleting non-asset event rows older
 * than `retention.event_logs.purge_after_days` from a daemon of type `EVENT_LOG_RETENTION`, which this follows.
 */
import type { Instance } from '@inst/core';
import { DagsterEventType, FINISHED_STATUSES, RunsFilter, type DagsterRunStatus } from '@inst/types';
import type { RetentionSettings } from '@inst/settings';
import type { DaemonContext, DaemonDefinition } from './host';
import type { Logger } from './logger';

/** Event types that record something about an asset; kept unless `includeAssetEvents`. */
export const ASSET_EVENT_TYPES: readonly string[] = [
  DagsterEventType.ASSET_MATERIALIZATION,
  DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
  DagsterEventType.ASSET_FAILED_TO_MATERIALIZE,
  DagsterEventType.ASSET_OBSERVATION,
  DagsterEventType.ASSET_WIPED,
  DagsterEventType.ASSET_CHECK_EVALUATION,
  DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
];

/** What to purge. Every part is optional; nothing is purged that the policy does not name. */
export interface RetentionPolicy {
  /** Delete finished runs (and their events) last updated more than `purgeAfterDays` ago. */
  readonly runs?: {
    readonly purgeAfterDays: number;
    /** Statuses to purge (default every finished status: SUCCESS, FAILURE, CANCELED). */
    readonly statuses?: readonly DagsterRunStatus[];
    /** Also delete runs that materialized or observed assets (default false: they are kept). */
    readonly includeRunsWithAssetEvents?: boolean;
  };
  /** Delete event-log rows older than `purgeAfterDays`. */
  readonly eventLogs?: {
    readonly purgeAfterDays: number;
    /** Only rows of these Python log levels (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL); default any level. */
    readonly levels?: readonly number[];
    /** Only rows of these event types (`dagster_event_type`; `null` or `LOG_MESSAGE` match plain log messages); default any. */
    readonly eventTypes?: readonly (string | null)[];
    /** Also delete asset-bearing rows (default false: they are kept). */
    readonly includeAssetEvents?: boolean;
  };
  /** Rows or runs per chunk (default 1000). */
  readonly chunkSize?: number;
}

/** What a purge did. */
export interface RetentionReport {
  readonly runs: { readonly cutoff: number; readonly deleted: readonly string[]; readonly keptWithAssetEvents: number } | null;
  readonly eventLogs: { readonly cutoff: number; readonly deleted: number; readonly byType: Readonly<Record<string, number>>; readonly supported: boolean } | null;
}

const DAY = 86_400;
/** The name plain log lines (no Dagster event) go by in policies and reports. */
const LOG_MESSAGE = 'LOG_MESSAGE';
const LEVELS: Readonly<Record<string, number>> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

/**
 * The policy of the instance's `retention` settings (`retention.event_logs`, `retention.runs` — beyond Dagster), or
 * null when neither asks to purge anything.
 */
export function retentionPolicyFromSettings(retention: RetentionSettings | undefined): RetentionPolicy | null {
  const events = retention?.event_logs;
  const runs = retention?.runs;
  const policy: RetentionPolicy = {
    ...(events && events.purge_after_days > 0
      ? {
          eventLogs: {
            purgeAfterDays: events.purge_after_days,
            ...(events.levels ? { levels: events.levels.map((level) => (typeof level === 'number' ? level : LEVELS[level]!)) } : {}),
            ...(events.event_types ? { eventTypes: events.event_types } : {}),
            ...(events.include_asset_events ? { includeAssetEvents: true } : {}),
          },
        }
      : {}),
    ...(runs && runs.purge_after_days > 0 ? { runs: { purgeAfterDays: runs.purge_after_days } } : {}),
  };
  return policy.eventLogs || policy.runs ? policy : null;
}

/** The SQL access a SQL event-log storage of `@inst/storage-sql` exposes (checked at run time). */
interface SqlExecutorLike {
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<unknown>;
}
interface EventLogConnectionsLike {
  readonly dialect: string;
  readonly isRunSharded: boolean;
  readonly index: SqlExecutorLike;
  runIds(): Promise<string[]>;
  readRun(runId: string): Promise<SqlExecutorLike | null>;
}

function connectionsOf(instance: Instance): EventLogConnectionsLike | null {
  const connections = (instance.eventLogStorage as unknown as { connections?: EventLogConnectionsLike }).connections;
  return connections && typeof connections.runIds === 'function' && connections.index ? connections : null;
}

/** Dagster's naive-UTC timestamp text (`YYYY-MM-DD HH:MM:SS.ffffff`), as the event_logs.timestamp column holds it. */
function sqlTimestamp(seconds: number): string {
  const iso = new Date(Math.floor(seconds * 1000)).toISOString();
  const micros = String(Math.round((seconds % 1) * 1e6)).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}`;
}

/** Python log level of a stored event body (`"level": 20`), or null. */
function levelOf(body: string): number | null {
  const match = /"level": (\d+)/.exec(body);
  return match ? Number(match[1]) : null;
}

async function purgeEventRows(
  db: SqlExecutorLike,
  policy: NonNullable<RetentionPolicy['eventLogs']>,
  cutoff: number,
  chunkSize: number,
  byType: Record<string, number>,
  signal?: AbortSignal,
): Promise<number> {
  const where: string[] = ['timestamp < ?'];
  const params: unknown[] = [sqlTimestamp(cutoff)];
  if (!policy.includeAssetEvents) {
    where.push('asset_key IS NULL');
    where.push(`(dagster_event_type IS NULL OR dagster_event_type NOT IN (${ASSET_EVENT_TYPES.map(() => '?').join(', ')}))`);
    params.push(...ASSET_EVENT_TYPES);
  }
  if (policy.eventTypes) {
    const named = policy.eventTypes.filter((t): t is string => t !== null && t !== LOG_MESSAGE);
    const parts: string[] = [];
    if (named.length > 0) {
      parts.push(`dagster_event_type IN (${named.map(() => '?').join(', ')})`);
      params.push(...named);
    }
    if (policy.eventTypes.includes(null) || policy.eventTypes.includes(LOG_MESSAGE)) parts.push('dagster_event_type IS NULL');
    where.push(parts.length > 0 ? `(${parts.join(' OR ')})` : '1 = 0');
  }
  let deleted = 0;
  let afterId = 0;
  for (;;) {
    if (signal?.aborted) break;
    const rows = await db.all<{ id: number | string; event: string; dagster_event_type: string | null }>(
      `SELECT id, event, dagster_event_type FROM event_logs WHERE ${where.join(' AND ')} AND id > ? ORDER BY id LIMIT ?`,
      [...params, afterId, chunkSize],
    );
    if (rows.length === 0) break;
    afterId = Number(rows[rows.length - 1]!.id);
    const levels = policy.levels ? new Set(policy.levels) : null;
    const doomed = levels === null ? rows : rows.filter((row) => levels.has(levelOf(row.event) ?? -1));
    if (doomed.length > 0) {
      await db.run(`DELETE FROM event_logs WHERE id IN (${doomed.map(() => '?').join(', ')})`, doomed.map((r) => Number(r.id)));
      deleted += doomed.length;
      for (const row of doomed) {
        const type = row.dagster_event_type ?? LOG_MESSAGE;
        byType[type] = (byType[type] ?? 0) + 1;
      }
    }
    if (rows.length < chunkSize) break;
  }
  return deleted;
}

/** Purges what `policy` names, as of `now` (epoch seconds); returns what was purged. */
export async function purgeByRetention(
  instance: Instance,
  policy: RetentionPolicy,
  options: { now?: number; signal?: AbortSignal; log?: Logger } = {},
): Promise<RetentionReport> {
  const now = options.now ?? Date.now() / 1000;
  const chunkSize = policy.chunkSize ?? 1000;
  let runsReport: RetentionReport['runs'] = null;
  let eventsReport: RetentionReport['eventLogs'] = null;

  if (policy.runs && policy.runs.purgeAfterDays > 0) {
    const cutoff = now - policy.runs.purgeAfterDays * DAY;
    const statuses = [...(policy.runs.statuses ?? FINISHED_STATUSES)].filter((s) => FINISHED_STATUSES.includes(s));
    const deleted: string[] = [];
    let kept = 0;
    let cursor: string | undefined;
    for (;;) {
      if (options.signal?.aborted) break;
      const records = await instance.getRunRecords(new RunsFilter({ statuses, updatedBefore: new Date(cutoff * 1000) }), chunkSize, undefined, undefined, cursor);
      if (records.length === 0) break;
      for (const record of records) {
        const runId = record.dagsterRun.runId;
        if (!policy.runs.includeRunsWithAssetEvents) {
          const assetEvents = await instance.getRecordsForRun(runId, null, [...ASSET_EVENT_TYPES] as DagsterEventType[], 1);
          if (assetEvents.records.length > 0) {
            kept++;
            continue;
          }
        }
        await instance.deleteRun(runId);
        deleted.push(runId);
      }
      cursor = records[records.length - 1]!.dagsterRun.runId;
      if (records.length < chunkSize) break;
    }
    runsReport = { cutoff, deleted, keptWithAssetEvents: kept };
    options.log?.info(`Purged ${deleted.length} finished run(s) older than ${policy.runs.purgeAfterDays} day(s); kept ${kept} with asset events.`);
  }

  if (policy.eventLogs && policy.eventLogs.purgeAfterDays > 0) {
    const cutoff = now - policy.eventLogs.purgeAfterDays * DAY;
    const connections = connectionsOf(instance);
    const byType: Record<string, number> = {};
    if (!connections) {
      options.log?.warn('Event log retention needs a SQL event log storage; this instance has another kind, nothing was purged');
      eventsReport = { cutoff, deleted: 0, byType, supported: false };
    } else {
      let deleted = await purgeEventRows(connections.index, policy.eventLogs, cutoff, chunkSize, byType, options.signal);
      if (connections.isRunSharded) {
        // Per-run SQLite shards hold the run's events; the index holds copies of some of them.
        for (const runId of await connections.runIds()) {
          if (options.signal?.aborted) break;
          const shard = await connections.readRun(runId);
          if (shard) deleted += await purgeEventRows(shard, policy.eventLogs, cutoff, chunkSize, byType, options.signal);
        }
      }
      eventsReport = { cutoff, deleted, byType, supported: true };
      const message = `Purged ${deleted} ${policy.eventLogs.includeAssetEvents ? '' : 'non-asset '}event log row(s) older than ${policy.eventLogs.purgeAfterDays} day(s).`;
      if (deleted > 0) options.log?.info(message);
      else options.log?.debug(message);
    }
  }
  return { runs: runsReport, eventLogs: eventsReport };
}

/**
 * The EVENT_LOG_RETENTION daemon (PR #33863's type): purges by `policy` — default: the instance's `retention` settings,
 * read at each iteration — every `intervalSeconds` (default 3600).
 */
export function retentionDaemon(policy?: RetentionPolicy | null, options: { intervalSeconds?: number; onReport?: (report: RetentionReport) => void } = {}): DaemonDefinition {
  return {
    daemonType: 'EVENT_LOG_RETENTION',
    intervalSeconds: options.intervalSeconds ?? 3600,
    async runIteration(ctx: DaemonContext) {
      const effective = policy ?? retentionPolicyFromSettings(ctx.instance.settings.getSettings('retention') as RetentionSettings);
      if (!effective) return;
      const report = await purgeByRetention(ctx.instance, effective, { now: ctx.now(), signal: ctx.signal, log: ctx.log });
      options.onReport?.(report);
    },
  };
}
