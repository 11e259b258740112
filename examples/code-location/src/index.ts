/**
 * An example code location. Load it with `inst … -f examples/code-location/src/index.ts` (or a workspace.yaml
 * entry): its default export is the location's Definitions.
 */
import {
  Definitions,
  SkipReason,
  type AssetContext,
  addDynamicPartitions,
  dailyPartitions,
  defineAsset,
  defineAssetCheck,
  defineAssetJob,
  defineJob,
  defineOp,
  defineSchedule,
  defineSensor,
  dynamicPartitions,
  input,
  multiPartitions,
  staticPartitions,
} from '@inst/definitions';

// ---------------------------------------------------------------- partitions

export const days = dailyPartitions({ start: '2024-01-01' });
export const regions = staticPartitions(['eu', 'us', 'apac']);
export const customers = dynamicPartitions('customers');
export const regionDays = multiPartitions({ date: days, region: regions });

// ---------------------------------------------------------------- assets

/** One file of raw events per day. */
export const rawEvents = defineAsset(
  {
    key: ['events', 'raw'],
    group: 'events',
    partitions: days,
    metadata: { owner: 'data-team' },
    checks: [{ name: 'not_empty', blocking: true, fn: (_ctx, value) => ({ passed: value.count > 0, metadata: { count: value.count } }) }],
  },
  // The function's context is annotated so that TypeScript infers the value type before typing the check above.
  (ctx: AssetContext) => ({ day: ctx.partitionKey, count: 3 }),
);

/** The day's events, cleaned; reads the raw events of the same day. */
export const cleanEvents = defineAsset(
  { key: ['events', 'clean'], group: 'events', partitions: days, ins: { raw: rawEvents }, retryPolicy: { maxRetries: 2 } },
  (_ctx, { raw }) => ({ day: raw.day, count: raw.count }),
);

/** Per-region totals. */
export const regionStats = defineAsset({ key: 'region_stats', group: 'regions', partitions: regions, pool: 'warehouse' }, (ctx) => ({ region: ctx.partitionKey, total: 10 }));

/** A report per customer (customers are added at runtime, by the sensor below). */
export const customerReports = defineAsset({ key: 'customer_reports', group: 'customers', partitions: customers }, (ctx) => `report for ${ctx.partitionKey}`);

/** Daily totals per region. */
export const regionDaily = defineAsset({ key: 'region_daily', group: 'regions', partitions: regionDays, deps: [regionStats] }, (ctx) => ({ key: ctx.partitionKey }));

/** A separately computed check: every region has a positive total. */
export const regionStatsPositive = defineAssetCheck({ asset: regionStats, name: 'positive_total', loadAsset: true }, (_ctx, { asset }) => ({
  passed: ((asset as { total?: number } | undefined)?.total ?? 0) > 0,
}));

// ---------------------------------------------------------------- jobs

export const dailyEventsJob = defineAssetJob({ name: 'daily_events_job', selection: [rawEvents, cleanEvents] });
export const regionJob = defineAssetJob({ name: 'region_job', selection: [regionStats] });
export const customerJob = defineAssetJob({ name: 'customer_job', selection: [customerReports] });
export const regionDailyJob = defineAssetJob({ name: 'region_daily_job', selection: [regionDaily] });

const extract = defineOp({ name: 'extract' }, () => [1, 2, 3]);
const transform = defineOp({ name: 'transform', ins: { rows: input<number[]>() }, config: { default: { fail: true } } }, (ctx, { rows }) => {
  // Fails unless run config says otherwise: `ops.transform.config.fail: false`.
  if ((ctx.config as { fail?: boolean } | undefined)?.fail !== false) throw new Error('transform failed on purpose');
  return rows.map((row) => row * 10);
});
const load = defineOp({ name: 'load', ins: { rows: input<number[]>() } }, (ctx, { rows }) => {
  void ctx.log.info(`loading ${rows.length} rows`);
  return rows.length;
});

/** An op job whose middle step fails (until its config says not to): re-execute it FROM_FAILURE. */
export const etlJob = defineJob({
  name: 'etl_job',
  tags: { team: 'platform' },
  graph: (g) => {
    const rows = g.add(extract);
    const transformed = g.add(transform, { rows });
    g.add(load, { rows: transformed });
  },
});

// ---------------------------------------------------------------- schedule and sensor

/** Every night at 01:00 UTC: the day that just ended. */
export const nightly = defineSchedule({ name: 'nightly_events', job: dailyEventsJob, cron: '0 1 * * *', defaultStatus: 'RUNNING', tags: () => ({ source: 'schedule' }) });

/** New customers (here: one per evaluation, named by the cursor) become partitions, and get a report run. */
export const newCustomers = defineSensor({ name: 'new_customers', job: customerJob, minimumIntervalSeconds: 60 }, (ctx) => {
  const n = Number(ctx.cursor ?? '0');
  if (n >= 3) return new SkipReason('no new customers');
  const customer = `customer_${n + 1}`;
  return {
    runRequests: [{ runKey: customer, partitionKey: customer }],
    dynamicPartitionsRequests: [addDynamicPartitions('customers', [customer])],
    cursor: String(n + 1),
  };
});

export default new Definitions({
  assets: [rawEvents, cleanEvents, regionStats, customerReports, regionDaily],
  assetChecks: [regionStatsPositive],
  jobs: [dailyEventsJob, regionJob, customerJob, regionDailyJob, etlJob],
  schedules: [nightly],
  sensors: [newCustomers],
});
