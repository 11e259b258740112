import { InvalidArgumentError, InvalidFilterError } from '@inst/errors';
import { BulkActionStatus, DagsterRunStatus, RUN_TAGS, type BulkActionsFilter, type RunsFilter } from '@inst/types';
import type { JobBucket, TagBucket } from '@inst/storage';
import { toSqlTimestamp } from '../values.js';
import { ident, inList, joinSql, sql, whereSql, type SqlFragment } from './run-sql.js';

/*
 * The SELECTs over `runs` and `bulk_actions` (Dagster's `_runs_query`, `_bucketed_runs_query`,
 * `_backfills_query`), with the filters checked first so that a malformed one is an
 * InvalidFilterError rather than a database error.
 */

/** Columns of `runs` a query may select or order by. */
const RUN_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'run_id',
  'snapshot_id',
  'pipeline_name',
  'mode',
  'status',
  'run_body',
  'partition',
  'partition_set',
  'create_timestamp',
  'update_timestamp',
  'start_time',
  'end_time',
  'backfill_id',
]);

const RUN_STATUSES: ReadonlySet<string> = new Set(Object.values(DagsterRunStatus));
const BULK_ACTION_STATUSES: ReadonlySet<string> = new Set(Object.values(BulkActionStatus));

/** `"partition"` and friends are keywords in some dialects; quote every column name. */
const column = (table: string, name: string): SqlFragment => ident(`${table}."${name}"`);

/** A tag filter value: one value, or a list meaning any of them. */
type TagValue = string | readonly string[];

function checkTags(tags: unknown, field: string): [string, TagValue][] {
  if (tags === null || tags === undefined) return [];
  if (typeof tags !== 'object' || Array.isArray(tags)) throw new InvalidFilterError(field, 'must map tag keys to a value or a list of values');
  const entries = Object.entries(tags as Record<string, unknown>);
  for (const [key, value] of entries) {
    const ok = typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new InvalidFilterError(field, `the value of tag ${JSON.stringify(key)} must be a string or a list of strings`);
  }
  return entries as [string, TagValue][];
}

function checkDate(value: unknown, field: string): Date | null {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidFilterError(field, 'must be a valid Date');
  return value;
}

function checkStrings(value: unknown, field: string): string[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new InvalidFilterError(field, 'must be a list of strings');
  return value as string[];
}

function checkStatuses(value: unknown, field: string, known: ReadonlySet<string>): string[] {
  const statuses = checkStrings(value, field) ?? [];
  const unknown = statuses.find((s) => !known.has(s));
  if (unknown !== undefined) throw new InvalidFilterError(field, `${JSON.stringify(unknown)} is not a status`);
  return statuses;
}

/** `value = ?` for one value, `value IN (…)` for a list. */
function tagValueMatch(valueColumn: SqlFragment, value: TagValue): SqlFragment {
  return typeof value === 'string' ? sql`${valueColumn} = ${value}` : sql`${valueColumn} IN ${inList(value)}`;
}

/** Whether a limit is given: Dagster treats 0 like no limit (`if limit:`). */
export function checkLimit(limit: number | undefined | null, field = 'limit'): number | null {
  if (limit === undefined || limit === null || limit === 0) return null;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`${field} must be a non-negative integer, got ${String(limit)}`);
  return limit;
}

/** How the filters are answered, from what the database has (probed by the storage). */
export interface RunsFilterContext {
  /** `run_backfill_id` is built: `exclude_subruns` can read `runs.backfill_id`. */
  readonly backfillIdBuilt: boolean;
  /** How the tag filter is written (see {@link chooseTagShape}); `in` when absent. */
  readonly tagShape?: TagShape;
}

/**
 * The forms of a tag filter. `in`: `run_id IN (every matching run id)`, then the page is sorted out of all the
 * matches (Dagster's shape; cost ∝ matches). The others walk runs newest first along `runs_pkey` and stop after
 * `limit` matches (cost ∝ `limit × runs / matches`, flat as the data grows at a fixed share of tagged runs):
 * `exists`, a correlated probe of `idx_run_tags_run_id (key, value, run_id)` per run (SQLite keeps it as
 * written); on Postgres, which pulls `EXISTS` and `IN` up into a join over every match, two forms its planner
 * cannot pull up — `hashed-in`, the matching run ids hashed once (`(… IN (…)) IS TRUE`: a hashed SubPlan), for a
 * count of matches whose hash fits in memory, and `first-match`, a correlated `LIMIT 1` probe per run, beyond that.
 */
export type TagShape = 'in' | 'exists' | 'hashed-in' | 'first-match';

/** A tag filter the probe shape can serve: the filter's only condition, one tag key. */
export function tagProbeFilter(filters: RunsFilter | undefined): [string, TagValue] | null {
  if (!filters) return null;
  const tags = checkTags(filters.tags, 'tags');
  if (tags.length !== 1) return null;
  const others: (keyof RunsFilter)[] = ['runIds', 'jobName', 'snapshotId', 'updatedAfter', 'updatedBefore', 'createdAfter', 'createdBefore', 'excludeSubruns'];
  if (others.some((field) => filters[field] !== undefined && filters[field] !== null && filters[field] !== false && filters[field] !== '')) return null;
  if (filters.statuses && [...filters.statuses].length > 0) return null;
  return tags[0]!;
}

/** Counting a tag's runs stops here: past it the probe's expected scan is at most `limit × runs / TAG_COUNT_CAP` rows. */
export const TAG_COUNT_CAP = 10_000;
/** The most runs the probe shape is expected to scan; beyond that the `IN` shape (cost ∝ matches) is cheaper. */
export const TAG_PROBE_BUDGET = 20_000;

/**
 * `SELECT matches, top`: how many runs have the tag (counted up to {@link TAG_COUNT_CAP} on the index, so it
 * costs at most that many index entries) and the highest run id (one index lookup), for {@link chooseTagProbe}.
 */
export function tagCountQuery(key: string, value: TagValue): SqlFragment {
  return sql`SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM run_tags WHERE run_tags."key" = ${key} AND ${tagValueMatch(ident('run_tags.value'), value)} LIMIT ${TAG_COUNT_CAP}) AS capped) AS matches, (SELECT MAX(runs.id) FROM runs) AS top`;
}

/**
 * Whether to probe: the `IN` shape costs about one index entry and one run lookup per matching run, and
 * sorts them; the probe walks runs newest first and stops after `limit` matches, about `limit × runs /
 * matches` probes. A tag with few matches (under 2 × limit) keeps `IN`; one whose probe would scan more than
 * {@link TAG_PROBE_BUDGET} runs too. Either way the cost stays bounded when the data grows: by the budget, or
 * by `limit × runs / budget` matches.
 */
export function chooseTagProbe(matches: number, topId: number, limit: number): boolean {
  if (matches < 2 * limit) return false;
  return (limit * topId) / matches <= TAG_PROBE_BUDGET;
}

/** The {@link TagShape} for a tag with `matches` runs (counted up to {@link TAG_COUNT_CAP}). */
export function chooseTagShape(dialect: 'sqlite' | 'postgres', matches: number, topId: number, limit: number): TagShape {
  if (!chooseTagProbe(matches, topId, limit)) return 'in';
  if (dialect === 'sqlite') return 'exists';
  // Under the cap the hash holds at most TAG_COUNT_CAP run ids (well inside work_mem).
  return matches < TAG_COUNT_CAP ? 'hashed-in' : 'first-match';
}

/** The WHERE conditions of a RunsFilter over `runs` (Dagster's `_add_filters_to_query`). */
export function runsFilterConditions(filters: RunsFilter | undefined, context: RunsFilterContext): SqlFragment[] {
  if (!filters) return [];
  const conditions: SqlFragment[] = [];
  const runIds = checkStrings(filters.runIds, 'runIds');
  if (runIds !== null) {
    if (runIds.length === 0) throw new InvalidFilterError('runIds', 'When filtering on run ids, a non-empty list must be used.');
    conditions.push(sql`runs.run_id IN ${inList(runIds)}`);
  }
  if (filters.jobName !== null && filters.jobName !== undefined) {
    if (typeof filters.jobName !== 'string') throw new InvalidFilterError('jobName', 'must be a string');
    if (filters.jobName !== '') conditions.push(sql`runs.pipeline_name = ${filters.jobName}`);
  }
  const statuses = checkStatuses(filters.statuses, 'statuses', RUN_STATUSES);
  if (statuses.length > 0) conditions.push(sql`runs.status IN ${inList(statuses)}`);
  if (filters.snapshotId) conditions.push(sql`runs.snapshot_id = ${filters.snapshotId}`);
  const bounds: [keyof RunsFilter, string, '>' | '<'][] = [
    ['updatedAfter', 'update_timestamp', '>'],
    ['updatedBefore', 'update_timestamp', '<'],
    ['createdAfter', 'create_timestamp', '>'],
    ['createdBefore', 'create_timestamp', '<'],
  ];
  for (const [field, name, op] of bounds) {
    const date = checkDate(filters[field], field);
    if (date) conditions.push(sql`${column('runs', name)} ${ident(op)} ${toSqlTimestamp(date)}`);
  }
  // One semi-join per tag: a run matches when it has every tag (AND), a list value meaning any of its values.
  for (const [key, value] of checkTags(filters.tags, 'tags')) {
    const matching = sql`run_tags."key" = ${key} AND ${tagValueMatch(ident('run_tags.value'), value)}`;
    switch (context.tagShape ?? 'in') {
      case 'exists':
        conditions.push(sql`EXISTS (SELECT 1 FROM run_tags WHERE ${matching} AND run_tags.run_id = runs.run_id)`);
        break;
      case 'hashed-in':
        conditions.push(sql`(runs.run_id IN (SELECT run_tags.run_id FROM run_tags WHERE ${matching})) IS TRUE`);
        break;
      case 'first-match':
        conditions.push(sql`(SELECT 1 FROM run_tags WHERE ${matching} AND run_tags.run_id = runs.run_id LIMIT 1) IS NOT NULL`);
        break;
      default:
        conditions.push(sql`runs.run_id IN (SELECT run_tags.run_id FROM run_tags WHERE ${matching})`);
    }
  }
  if (filters.excludeSubruns) {
    conditions.push(
      context.backfillIdBuilt
        ? sql`runs.backfill_id IS NULL`
        : sql`runs.run_id NOT IN (SELECT run_tags.run_id FROM run_tags WHERE run_tags."key" = ${RUN_TAGS.BACKFILL_ID} AND run_tags.run_id IS NOT NULL)`,
    );
  }
  return conditions;
}

/** What a runs query selects and how it pages. */
export interface RunsQueryOptions {
  /** Columns of `runs` to select (from this package's fixed lists). */
  readonly columns: readonly string[];
  readonly limit?: number | null;
  /** The `id` of the cursor run: rows after it in the query's direction. */
  readonly cursorId?: number | null;
  readonly orderBy?: string | null;
  readonly ascending?: boolean;
  readonly bucketBy?: JobBucket | TagBucket | null;
}

/** Checks an `orderBy` column name. */
export function checkOrderBy(orderBy: string | null | undefined): string {
  if (orderBy === null || orderBy === undefined || orderBy === '') return 'id';
  if (!RUN_COLUMNS.has(orderBy)) throw new InvalidArgumentError(`Cannot order runs by ${JSON.stringify(orderBy)}: not a column of the runs table`);
  return orderBy;
}

function isJobBucket(bucket: JobBucket | TagBucket): bucket is JobBucket {
  return 'jobNames' in bucket;
}

/**
 * SELECT over `runs` with the filter conditions: newest first (`id DESC`) unless `ascending` or
 * `orderBy`; the cursor compares ids in the query's direction; a bucket keeps the first
 * `bucketLimit` runs of each job name or tag value (`rank() OVER (PARTITION BY …)`).
 */
export function runsQuery(conditions: readonly SqlFragment[], options: RunsQueryOptions): SqlFragment {
  const orderBy = checkOrderBy(options.orderBy);
  const direction = ident(options.ascending ? 'ASC' : 'DESC');
  const limit = checkLimit(options.limit);
  // Ties of a non-unique sort column are broken by id, so pages are stable.
  const order = (table: string): SqlFragment =>
    orderBy === 'id' ? sql`${column(table, 'id')} ${direction}` : sql`${column(table, orderBy)} ${direction}, ${column(table, 'id')} ${direction}`;

  if (options.bucketBy) {
    if (limit !== null || options.cursorId !== undefined && options.cursorId !== null) {
      throw new InvalidArgumentError('cannot specify bucketBy and limit/cursor at the same time');
    }
    return bucketedRunsQuery(conditions, options.columns, options.bucketBy, order, direction);
  }
  const where = [...conditions];
  if (options.cursorId !== undefined && options.cursorId !== null) {
    where.push(options.ascending ? sql`runs.id > ${options.cursorId}` : sql`runs.id < ${options.cursorId}`);
  }
  const selected = joinSql(
    options.columns.map((c) => column('runs', c)),
    ', ',
  );
  return sql`SELECT ${selected} FROM runs${whereSql(where)} ORDER BY ${order('runs')}${limit === null ? sql`` : sql` LIMIT ${limit}`}`;
}

function bucketedRunsQuery(
  conditions: readonly SqlFragment[],
  columns: readonly string[],
  bucket: JobBucket | TagBucket,
  order: (table: string) => SqlFragment,
  direction: SqlFragment,
): SqlFragment {
  const where = [...conditions];
  let join = sql``;
  let partitionBy: SqlFragment;
  if (isJobBucket(bucket)) {
    const jobNames = checkStrings(bucket.jobNames, 'bucketBy.jobNames') ?? [];
    where.push(sql`runs.pipeline_name IN ${inList(jobNames)}`);
    partitionBy = ident('runs.pipeline_name');
  } else {
    if (typeof bucket.tagKey !== 'string') throw new InvalidArgumentError('bucketBy.tagKey must be a string');
    const tagValues = checkStrings(bucket.tagValues, 'bucketBy.tagValues') ?? [];
    join = sql` JOIN run_tags AS bucket_tags ON bucket_tags.run_id = runs.run_id AND bucket_tags."key" = ${bucket.tagKey} AND bucket_tags.value IN ${inList(tagValues)}`;
    partitionBy = ident('bucket_tags.value');
  }
  const bucketLimit = checkLimit(bucket.bucketLimit, 'bucketBy.bucketLimit');
  const inner = joinSql(
    columns.map((c) => sql`${column('runs', c)} AS "${ident(c)}"`),
    ', ',
  );
  const outer = joinSql(
    columns.map((c) => column('bucketed', c)),
    ', ',
  );
  return sql`SELECT ${outer} FROM (SELECT ${inner}, rank() OVER (PARTITION BY ${partitionBy} ORDER BY ${order('runs')}) AS bucket_rank FROM runs${join}${whereSql(where)}) AS bucketed${
    bucketLimit === null ? sql`` : sql` WHERE bucketed.bucket_rank <= ${bucketLimit}`
  } ORDER BY bucketed.bucket_rank ASC, bucketed.id ${direction}`;
}

/** How backfill filters are answered, from what the database has. */
export interface BackfillsFilterContext {
  /** `backfill_job_name_and_tags` is built: `backfill_tags` and `bulk_actions.job_name` are filled. */
  readonly jobNameAndTagsBuilt: boolean;
}

/** The checked parts of a BulkActionsFilter. */
export interface BackfillsQueryParts {
  readonly conditions: SqlFragment[];
  /** Tags to check on the backfill bodies too: the fallback through run tags over-matches. */
  readonly postFilterTags: [string, TagValue][] | null;
}

/** The WHERE conditions of a BulkActionsFilter over `bulk_actions` (Dagster's `_backfills_query`). */
export function backfillsFilterConditions(filters: BulkActionsFilter | undefined, context: BackfillsFilterContext): BackfillsQueryParts {
  const conditions: SqlFragment[] = [];
  if (!filters) return { conditions, postFilterTags: null };
  const tags = checkTags(filters.tags, 'tags');
  let postFilterTags: [string, TagValue][] | null = null;
  if (tags.length > 0) {
    if (context.jobNameAndTagsBuilt) {
      for (const [key, value] of tags) {
        conditions.push(
          sql`bulk_actions."key" IN (SELECT backfill_tags.backfill_id FROM backfill_tags WHERE backfill_tags."key" = ${key} AND ${tagValueMatch(ident('backfill_tags.value'), value)})`,
        );
      }
    } else {
      // No backfill_tags yet: a backfill's tags are on the runs it launched, so take the backfills of
      // runs having every tag, then check the bodies (runs may carry more tags than their backfill).
      const runMatches = tags.map(
        ([key, value]) =>
          sql`backfill_runs.run_id IN (SELECT run_tags.run_id FROM run_tags WHERE run_tags."key" = ${key} AND ${tagValueMatch(ident('run_tags.value'), value)})`,
      );
      conditions.push(
        sql`bulk_actions."key" IN (SELECT backfill_runs.value FROM run_tags AS backfill_runs WHERE backfill_runs."key" = ${RUN_TAGS.BACKFILL_ID} AND ${joinSql(runMatches, ' AND ')})`,
      );
      postFilterTags = tags;
    }
  }
  if (filters.jobName !== null && filters.jobName !== undefined && filters.jobName !== '') {
    if (typeof filters.jobName !== 'string') throw new InvalidFilterError('jobName', 'must be a string');
    conditions.push(
      context.jobNameAndTagsBuilt
        ? sql`bulk_actions.job_name = ${filters.jobName}`
        : sql`bulk_actions."key" IN (SELECT run_tags.value FROM run_tags JOIN runs ON runs.run_id = run_tags.run_id WHERE run_tags."key" = ${RUN_TAGS.BACKFILL_ID} AND runs.pipeline_name = ${filters.jobName})`,
    );
  }
  const statuses = checkStatuses(filters.statuses, 'statuses', BULK_ACTION_STATUSES);
  if (statuses.length > 0) conditions.push(sql`bulk_actions.status IN ${inList(statuses)}`);
  const createdAfter = checkDate(filters.createdAfter, 'createdAfter');
  if (createdAfter) conditions.push(sql`bulk_actions."timestamp" > ${toSqlTimestamp(createdAfter)}`);
  const createdBefore = checkDate(filters.createdBefore, 'createdBefore');
  if (createdBefore) conditions.push(sql`bulk_actions."timestamp" < ${toSqlTimestamp(createdBefore)}`);
  const backfillIds = checkStrings(filters.backfillIds, 'backfillIds');
  if (backfillIds && backfillIds.length > 0) conditions.push(sql`bulk_actions."key" IN ${inList(backfillIds)}`);
  return { conditions, postFilterTags };
}

/** Whether a backfill's own tags match every tag filter (the check after the run-tags fallback). */
export function backfillTagsMatch(backfillTags: Readonly<Record<string, string>>, tags: readonly [string, TagValue][]): boolean {
  return tags.every(([key, value]) => {
    const actual = backfillTags[key];
    if (actual === undefined) return false;
    return typeof value === 'string' ? actual === value : value.includes(actual);
  });
}
