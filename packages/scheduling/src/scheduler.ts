/**
 * The scheduler (Dagster's `Scheduler` / `DagsterDaemonScheduler`) and the instance members that read it:
 * `scheduler`, `schedulerClass`, `logsPathForSchedule`, `schedulerDebugInfo`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, InvalidArgumentError } from '@inst/errors';
import { InstigatorType, ScheduleInstigatorData, type InstigatorState } from '@inst/types';
import { requireScheduler } from './internal';
import type { Scheduler, SchedulerHost, SchedulingInstanceOps } from './ops';

/** Dagster's `DEFAULT_MAX_CATCHUP_RUNS`. */
export const DEFAULT_MAX_CATCHUP_RUNS = 5;

/** Options of {@link DagsterDaemonScheduler} (the `scheduler.config` block of dagster.yaml, camelCased). */
export interface DagsterDaemonSchedulerOptions {
  /** How many missed execution times of a schedule the daemon catches up on (default 5). */
  readonly maxCatchupRuns?: number;
  /** How many times the daemon retries a failed schedule tick (default 0). */
  readonly maxTickRetries?: number;
}

/**
 * Dagster's default scheduler: schedules are ticked by the scheduler daemon, which reads the stored states. It keeps
 * no state of its own (`wipe` does nothing) and writes each schedule's log under
 * `<schedulesDirectory>/logs/<scheduleOriginId>/scheduler.log`.
 */
export class DagsterDaemonScheduler implements Scheduler {
  /** What `schedulerClass` reports. */
  readonly className = 'DagsterDaemonScheduler';
  /** The scheduler daemon does the work, so an instance with this scheduler needs it. */
  readonly requiredDaemonType = 'SCHEDULER';
  /** How many missed execution times of a schedule the daemon catches up on. */
  readonly maxCatchupRuns: number;
  /** How many times the daemon retries a failed schedule tick. */
  readonly maxTickRetries: number;

  constructor(options: DagsterDaemonSchedulerOptions = {}) {
    this.maxCatchupRuns = options.maxCatchupRuns ?? DEFAULT_MAX_CATCHUP_RUNS;
    this.maxTickRetries = options.maxTickRetries ?? 0;
  }

  /** Nothing to report: `''`. */
  debugInfo(): string {
    return '';
  }

  /** The daemon scheduler keeps no state of its own: nothing to wipe. */
  async wipe(_instance: SchedulerHost): Promise<void> {}

  /** `<schedulesDirectory>/logs/<scheduleOriginId>/scheduler.log`, creating the directory. */
  async getLogsPath(instance: SchedulerHost, scheduleOriginId: string): Promise<string> {
    // The id becomes a directory name: one plain path segment only, so a caller cannot write outside `logs/`.
    if (!scheduleOriginId || scheduleOriginId === '.' || scheduleOriginId === '..' || /[/\\\0]/.test(scheduleOriginId)) {
      throw new InvalidArgumentError(`scheduleOriginId must be a single path segment, got ${JSON.stringify(scheduleOriginId)}`, {
        ids: { scheduleOriginId },
      });
    }
    const directory = join(instance.schedulesDirectory(), 'logs', scheduleOriginId);
    await mkdir(directory, { recursive: true });
    return join(directory, 'scheduler.log');
  }
}

/** A `scheduler` block of the instance config: `{ module, class, config }`. */
export interface SchedulerConfig {
  /** The Python module (`dagster._core.scheduler` for the default). */
  readonly module: string;
  /** The class name (`DagsterDaemonScheduler` for the default). */
  readonly class: string;
  /** The class's config (`max_catchup_runs`, `max_tick_retries` for the default). */
  readonly config?: Readonly<Record<string, unknown>> | null;
}

/**
 * The scheduler a `scheduler` config block names. Dagster's built-in `DagsterDaemonScheduler` (from `dagster` or any
 * `dagster.*` module) is built here with its `max_catchup_runs` / `max_tick_retries`; a bad value is a ConfigError
 * listing every problem. Any other class is a user's scheduler, which the caller (`@inst/core`) loads itself: it is
 * a ConfigError here.
 */
export function schedulerFromConfig(config: SchedulerConfig): DagsterDaemonScheduler {
  const builtIn = config.class === 'DagsterDaemonScheduler' && (config.module === 'dagster' || config.module.startsWith('dagster.'));
  if (!builtIn) {
    throw new ConfigError([
      `scheduler: ${config.module}.${config.class} is not a built-in scheduler (only DagsterDaemonScheduler is); load a custom scheduler class yourself`,
    ]);
  }
  const problems: string[] = [];
  const values = config.config ?? {};
  const read = (key: string): number | undefined => {
    const value = values[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      problems.push(`scheduler.config.${key}: must be an integer, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  };
  const maxCatchupRuns = read('max_catchup_runs');
  const maxTickRetries = read('max_tick_retries');
  for (const key of Object.keys(values)) {
    if (key !== 'max_catchup_runs' && key !== 'max_tick_retries') problems.push(`scheduler.config.${key}: unknown field`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return new DagsterDaemonScheduler({
    ...(maxCatchupRuns === undefined ? {} : { maxCatchupRuns }),
    ...(maxTickRetries === undefined ? {} : { maxTickRetries }),
  });
}

/** The instance's scheduler, or undefined (ephemeral instances have none). */
export function scheduler(ops: Pick<SchedulingInstanceOps, 'scheduler'>): Scheduler | undefined {
  return ops.scheduler;
}

/** The scheduler's class name (`'DagsterDaemonScheduler'` by default), or undefined without a scheduler. */
export function schedulerClass(ops: Pick<SchedulingInstanceOps, 'scheduler'>): string | undefined {
  const current = ops.scheduler;
  if (!current) return undefined;
  return current.className || current.constructor.name;
}

/**
 * The log file of a schedule, from the scheduler (DagsterDaemonScheduler: `<schedulesDirectory>/logs/<id>/scheduler.log`,
 * creating the directory). SchedulerNotAvailableError without a scheduler.
 */
export async function logsPathForSchedule(ops: Pick<SchedulingInstanceOps, 'scheduler' | 'schedulesDirectory'>, scheduleOriginId: string): Promise<string> {
  return requireScheduler(ops, 'logsPathForSchedule').getLogsPath(ops, scheduleOriginId);
}

/** Dagster's `SchedulerDebugInfo`, as a plain object. */
export interface SchedulerDebugInfo {
  /** Problems found (Dagster's OSS code never reports any). */
  readonly errors: readonly string[];
  /** The scheduler's class name, `''` without a scheduler. */
  readonly schedulerConfigInfo: string;
  /** The scheduler's own debug text, `''` without a scheduler. */
  readonly schedulerInfo: string;
  /**
   * One line per stored schedule state, then per sensor state, in Dagster's format (the Python `str()` of a dict):
   * `{'name': {'status': 'RUNNING', 'repository_origin_id': '…', 'schedule_origin_id': '…', 'cron_schedule': '0 * * * *'}}`
   * for schedules, `{'name': {'status': …, 'repository_origin_id': …, 'sensor_origin_id': …}}` for sensors.
   */
  readonly scheduleStorage: readonly string[];
}

/**
 * A debug summary of scheduling on this instance: the scheduler's class and debug text, and one line per stored
 * schedule and sensor state (read through `ops.allInstigatorState`, which fails without schedule storage).
 */
export async function schedulerDebugInfo(ops: Pick<SchedulingInstanceOps, 'scheduler' | 'allInstigatorState'>): Promise<SchedulerDebugInfo> {
  const schedules = (await ops.allInstigatorState(undefined, undefined, InstigatorType.SCHEDULE)).map((state) =>
    pythonStr({
      [state.instigatorName]: {
        status: state.status,
        repository_origin_id: state.repositoryOriginId,
        schedule_origin_id: state.instigatorOriginId,
        cron_schedule: cronScheduleOf(state),
      },
    }),
  );
  const sensors = (await ops.allInstigatorState(undefined, undefined, InstigatorType.SENSOR)).map((state) =>
    pythonStr({
      [state.instigatorName]: {
        status: state.status,
        repository_origin_id: state.repositoryOriginId,
        sensor_origin_id: state.instigatorOriginId,
      },
    }),
  );
  const current = ops.scheduler;
  return {
    errors: [],
    schedulerConfigInfo: schedulerClass(ops) ?? '',
    schedulerInfo: current ? current.debugInfo() : '',
    scheduleStorage: [...schedules, ...sensors],
  };
}

function cronScheduleOf(state: InstigatorState): string | readonly string[] | null {
  return state.instigatorData instanceof ScheduleInstigatorData ? state.instigatorData.cronSchedule : null;
}

type PyValue = string | number | null | undefined | readonly PyValue[] | { readonly [key: string]: PyValue };

/** Python's `str()` of strings, numbers, None, lists and dicts (insertion order), as Dagster prints debug lines. */
function pythonStr(value: PyValue): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return pythonStrRepr(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${(value as readonly PyValue[]).map(pythonStr).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: PyValue });
  return `{${entries.map(([key, item]) => `${pythonStrRepr(key)}: ${pythonStr(item)}`).join(', ')}}`;
}

/** Python's `repr()` of a str: single quotes unless the text has one and no double quote. */
function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\') out += '\\\\';
    else if (char === quote) out += `\\${quote}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${quote}${out}${quote}`;
}
