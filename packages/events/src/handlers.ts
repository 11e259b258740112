/**
 * The TypeScript counterpart of Dagster's Python logging handlers (`get_event_log_handler`,
 * `get_yaml_python_handlers`, `get_handlers`). A {@link LogRecord} is the shape of a Python `logging.LogRecord` that
 * went through Dagster's log manager: `dagsterMeta` carries the run, step and DagsterEvent.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { ConfigError, InvalidArgumentError, warnOnce } from '@inst/errors';
import {
  EngineEventData,
  EventLogEntry,
  SerializableErrorInfo,
  type DagsterEvent,
  type DagsterEventBatchMetadata,
} from '@inst/types';
import { coerceHandlerLevel, levelName, LogLevel } from './log-levels';
import type { EventsInstanceOps } from './ops';

/** Dagster's `DagsterLogRecordMetadata`: where a log call happened, and the DagsterEvent it carries if any. */
export interface DagsterLogRecordMetadata {
  /** The run logged in; records without one cannot go to the event log. */
  readonly runId: string | null;
  readonly jobName: string | null;
  readonly stepKey: string | null;
  /** The message as the user logged it. */
  readonly origMessage: string;
  /** The DagsterEvent the record carries, for framework events. */
  readonly dagsterEvent?: DagsterEvent | null;
  /** The batch the event belongs to (see `handleNewEvent`). */
  readonly dagsterEventBatchMetadata?: DagsterEventBatchMetadata | null;
  readonly jobTags?: Readonly<Record<string, string>>;
  readonly opName?: string | null;
  readonly resourceName?: string | null;
  readonly resourceFnName?: string | null;
  readonly logMessageId?: string;
  readonly logTimestamp?: string;
}

/** A log record (Python's `logging.LogRecord`, the fields handlers use). */
export interface LogRecord {
  /** The logger's name. */
  readonly name: string;
  /** The level as a number (10 DEBUG, 20 INFO, …). */
  readonly levelno: number;
  /** The formatted message. */
  readonly msg: string;
  /** When it was logged, in Unix seconds. */
  readonly created: number;
  /** Dagster's metadata; the event log handler needs it. */
  readonly dagsterMeta?: DagsterLogRecordMetadata | null;
}

/** A log handler (Python's `logging.Handler`). */
export interface LogHandler {
  /** Records below this level are not handled. */
  readonly level: number;
  /** Handles the record if its level is at least the handler's; true when it did. */
  handle(record: LogRecord): Promise<boolean>;
}

/** The `python_logs.dagster_handler_config` block: Python `logging.config.dictConfig` handlers, formatters, filters. */
export interface DagsterHandlerConfig {
  /** Handler name → `{ class, level, formatter, … }`. */
  readonly handlers?: Readonly<Record<string, unknown>>;
  /** Formatter name → `{ format, datefmt }`. */
  readonly formatters?: Readonly<Record<string, unknown>>;
  /** Not supported (a ConfigError when not empty). */
  readonly filters?: Readonly<Record<string, unknown>>;
}

/** A handler that checks the level, then emits: extend it to write records somewhere else. */
export abstract class BaseLogHandler implements LogHandler {
  readonly level: number;
  constructor(level: number) {
    this.level = level;
  }
  async handle(record: LogRecord): Promise<boolean> {
    if (record.levelno < this.level) return false;
    await this.emit(record);
    return true;
  }
  protected abstract emit(record: LogRecord): Promise<void> | void;
}

/**
 * Writes log records to the event log (Dagster's `_EventListenerLogHandler`): each record becomes an EventLogEntry
 * (the record's level and time, the user's message, run, job, step and DagsterEvent from `dagsterMeta`) sent to
 * `handleNewEvent` with its batch metadata. When that fails for a plain log message, the failure is reported as an
 * engine event of the run and swallowed, so a user's log call never fails a run; a failing DagsterEvent is rethrown,
 * as the event log is the source of truth of the run's state.
 */
export class EventLogHandler extends BaseLogHandler {
  readonly #ops: Pick<EventsInstanceOps, 'handleNewEvent' | 'reportEngineEvent'>;

  constructor(ops: Pick<EventsInstanceOps, 'handleNewEvent' | 'reportEngineEvent'>, level: number = LogLevel.DEBUG) {
    super(level);
    this.#ops = ops;
  }

  protected async emit(record: LogRecord): Promise<void> {
    const meta = record.dagsterMeta;
    if (!meta) throw new InvalidArgumentError(`Log record of logger ${record.name} has no Dagster metadata (dagsterMeta)`);
    if (typeof meta.runId !== 'string') {
      throw new InvalidArgumentError(`Log record of logger ${record.name} has no run id; only records logged in a run go to the event log`);
    }
    const entry = new EventLogEntry({
      level: record.levelno,
      userMessage: meta.origMessage,
      runId: meta.runId,
      timestamp: record.created,
      stepKey: meta.stepKey ?? null,
      jobName: meta.jobName ?? null,
      dagsterEvent: meta.dagsterEvent ?? null,
      errorInfo: null,
    });
    try {
      await this.#ops.handleNewEvent(entry, { batchMetadata: meta.dagsterEventBatchMetadata ?? null });
    } catch (error) {
      process.stderr.write(`Exception while writing logger call to event log: ${error instanceof Error ? error.message : String(error)}\n`);
      if (entry.dagsterEvent) throw error;
      if (entry.runId) {
        await this.#ops.reportEngineEvent(
          'Exception while writing logger call to event log',
          null,
          new EngineEventData({ error: SerializableErrorInfo.fromError(error) }),
          null,
          entry.stepKey,
          entry.jobName,
          entry.runId,
        );
      }
    }
  }
}

const FORMAT_FIELD = /%\((\w+)\)([#0\- +]*)(\d+)?(?:\.(\d+))?([sdifr])|%%/g;
const FORMAT_ATTRIBUTES = new Set(['name', 'levelno', 'levelname', 'message', 'msg', 'created', 'msecs', 'asctime', 'process']);
const DATE_FIELD = /%([YmdHMSy%])|%./g;

/**
 * Python's `logging.Formatter` with `%`-style formats over the attributes `name`, `levelno`, `levelname`,
 * `message`, `msg`, `created`, `msecs`, `asctime` and `process`; `datefmt` takes `%Y %m %d %H %M %S %y %%`
 * (local time). Throws ConfigError for anything else, when built.
 */
export class LogFormatter {
  readonly format: string;
  readonly datefmt: string | null;

  constructor(format = '%(message)s', datefmt: string | null = null) {
    const problems: string[] = [];
    for (const match of format.matchAll(FORMAT_FIELD)) {
      if (match[1] !== undefined && !FORMAT_ATTRIBUTES.has(match[1])) problems.push(`format: unsupported attribute %(${match[1]})`);
    }
    for (const match of (datefmt ?? '').matchAll(DATE_FIELD)) {
      if (match[1] === undefined) problems.push(`datefmt: unsupported directive ${match[0]}`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    this.format = format;
    this.datefmt = datefmt;
  }

  /** The record as text, as Python's `Formatter.format` writes it (without exception text). */
  formatRecord(record: LogRecord): string {
    const values: Record<string, string | number> = {
      name: record.name,
      levelno: record.levelno,
      levelname: levelName(record.levelno),
      message: record.msg,
      msg: record.msg,
      created: record.created,
      msecs: (record.created - Math.trunc(record.created)) * 1000,
      asctime: this.#asctime(record),
      process: process.pid,
    };
    return this.format.replace(FORMAT_FIELD, (whole, key?: string, flags = '', width?: string, precision?: string, conversion?: string) => {
      if (key === undefined) return '%';
      return pad(convert(values[key]!, conversion!, precision), flags, width);
    });
  }

  #asctime(record: LogRecord): string {
    const date = new Date(record.created * 1000);
    if (this.datefmt !== null) return strftime(this.datefmt, date);
    const millis = String(Math.trunc((record.created - Math.trunc(record.created)) * 1000)).padStart(3, '0');
    return `${strftime('%Y-%m-%d %H:%M:%S', date)},${millis}`;
  }
}

function convert(value: string | number, conversion: string, precision: string | undefined): string {
  switch (conversion) {
    case 'd':
    case 'i':
      return String(Math.trunc(Number(value)));
    case 'f':
      return pythonFixed(Number(value), precision === undefined ? 6 : Number(precision));
    default: {
      const text = String(value);
      return precision === undefined ? text : text.slice(0, Number(precision));
    }
  }
}

/**
 * Python's `'%.nf' % x`: like `toFixed`, except that an exact tie rounds to even (Python `1.25` → `1.2`, JavaScript
 * `1.3`). A tie at digit n+1 has at most n+1 exact decimals, so the 100-digit exact expansion decides it.
 */
function pythonFixed(x: number, digits: number): string {
  const rounded = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21 || digits >= 100) return rounded;
  const [whole, fraction = ''] = Math.abs(x).toFixed(100).split('.');
  if (fraction[digits] !== '5' || !/^0*$/.test(fraction.slice(digits + 1))) return rounded;
  const truncated = digits === 0 ? whole! : `${whole}.${fraction.slice(0, digits)}`;
  // toFixed rounded the tie away from zero; that is also the even choice when the kept last digit is odd.
  if (Number(truncated.at(-1)) % 2 === 1) return rounded;
  return x < 0 ? `-${truncated}` : truncated;
}

function pad(text: string, flags: string, width: string | undefined): string {
  if (width === undefined) return text;
  return flags.includes('-') ? text.padEnd(Number(width)) : text.padStart(Number(width), flags.includes('0') ? '0' : ' ');
}

function strftime(format: string, date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return format.replace(DATE_FIELD, (whole, directive?: string) => {
    switch (directive) {
      case 'Y':
        return String(date.getFullYear());
      case 'y':
        return two(date.getFullYear() % 100);
      case 'm':
        return two(date.getMonth() + 1);
      case 'd':
        return two(date.getDate());
      case 'H':
        return two(date.getHours());
      case 'M':
        return two(date.getMinutes());
      case 'S':
        return two(date.getSeconds());
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}

/** Something text can be written to (`process.stdout`, `process.stderr`, …). */
export interface WritableText {
  write(text: string): unknown;
}

/** Python's `logging.StreamHandler`: writes each formatted record and a newline to a stream (stderr by default). */
export class StreamLogHandler extends BaseLogHandler {
  readonly stream: WritableText;
  readonly formatter: LogFormatter;
  constructor(options: { stream?: WritableText; level?: number; formatter?: LogFormatter } = {}) {
    super(options.level ?? LogLevel.NOTSET);
    this.stream = options.stream ?? process.stderr;
    this.formatter = options.formatter ?? new LogFormatter();
  }
  protected emit(record: LogRecord): void {
    this.stream.write(`${this.formatter.formatRecord(record)}\n`);
  }
}

/**
 * Python's `logging.FileHandler`: appends each formatted record and a newline to a file. Like Python, the file is
 * created (and with mode `w` emptied) when the handler is built, unless `delay`.
 */
export class FileLogHandler extends BaseLogHandler {
  readonly filename: string;
  readonly formatter: LogFormatter;
  constructor(options: { filename: string; mode?: 'a' | 'w'; delay?: boolean; level?: number; formatter?: LogFormatter }) {
    super(options.level ?? LogLevel.NOTSET);
    this.filename = options.filename;
    this.formatter = options.formatter ?? new LogFormatter();
    if (options.mode === 'w') writeFileSync(this.filename, '');
    else if (!options.delay) appendFileSync(this.filename, '');
  }
  protected emit(record: LogRecord): void {
    // Synchronous, as Python's handler: records land in the file in the order they were logged.
    appendFileSync(this.filename, `${this.formatter.formatRecord(record)}\n`);
  }
}

/** Python's `logging.NullHandler`: handles records by doing nothing. */
export class NullLogHandler extends BaseLogHandler {
  constructor() {
    super(LogLevel.NOTSET);
  }
  protected emit(): void {}
}

const CONFIG_PATH = 'python_logs.dagster_handler_config';
const HANDLER_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  'logging.StreamHandler': new Set(['class', 'level', 'formatter', 'filters', 'stream']),
  'logging.FileHandler': new Set(['class', 'level', 'formatter', 'filters', 'filename', 'mode', 'encoding', 'delay']),
  'logging.NullHandler': new Set(['class', 'level', 'formatter', 'filters']),
};

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the handlers of a `dagster_handler_config` block, in the order written. Supported are the classes
 * `logging.StreamHandler` (`stream: ext://sys.stdout | ext://sys.stderr`), `logging.FileHandler` (`filename`,
 * `mode: a | w`, `encoding: utf-8`, `delay`) and `logging.NullHandler`, each with `level` and `formatter` (a
 * `formatters` entry with `format` and `datefmt`). Anything else (other classes, `()` factories, filters) throws a
 * ConfigError that lists every problem with its path.
 */
export function buildLogHandlers(config: DagsterHandlerConfig): LogHandler[] {
  const problems: string[] = [];
  const formatters = new Map<string, LogFormatter>();
  // Formatters already reported as bad: handlers naming them are not reported a second time.
  const badFormatters = new Set<string>();
  for (const [name, spec] of Object.entries(config.formatters ?? {})) {
    const path = `${CONFIG_PATH}.formatters.${name}`;
    const before = problems.length;
    if (!isObject(spec)) {
      problems.push(`${path}: expected a mapping`);
      badFormatters.add(name);
      continue;
    }
    const extra = Object.keys(spec).filter((key) => !['format', 'datefmt', 'style'].includes(key));
    for (const key of extra) problems.push(`${path}.${key}: not supported`);
    if (spec.style !== undefined && spec.style !== '%') problems.push(`${path}.style: only '%' formats are supported`);
    if (spec.format !== undefined && typeof spec.format !== 'string') problems.push(`${path}.format: expected a string`);
    if (spec.datefmt !== undefined && spec.datefmt !== null && typeof spec.datefmt !== 'string') problems.push(`${path}.datefmt: expected a string`);
    try {
      formatters.set(name, new LogFormatter((spec.format as string | undefined) ?? '%(message)s', (spec.datefmt as string | null | undefined) ?? null));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems.map((problem) => `${path}.${problem}`));
    }
    if (problems.length > before) badFormatters.add(name);
  }
  if (config.filters && Object.keys(config.filters).length > 0) problems.push(`${CONFIG_PATH}.filters: logging filters are not supported`);

  const factories: (() => LogHandler)[] = [];
  for (const [name, spec] of Object.entries(config.handlers ?? {})) {
    const path = `${CONFIG_PATH}.handlers.${name}`;
    if (!isObject(spec)) {
      problems.push(`${path}: expected a mapping`);
      continue;
    }
    const cls = spec.class;
    const allowed = typeof cls === 'string' ? HANDLER_KEYS[cls] : undefined;
    if (!allowed) {
      problems.push(`${path}.class: ${cls === undefined ? 'required' : `${JSON.stringify(cls)} is not supported`} (supported: ${Object.keys(HANDLER_KEYS).join(', ')})`);
      continue;
    }
    for (const key of Object.keys(spec)) if (!allowed.has(key)) problems.push(`${path}.${key}: not supported by ${String(cls)}`);

    let level: number = LogLevel.NOTSET;
    if (spec.level !== undefined) {
      try {
        if (typeof spec.level !== 'number' && typeof spec.level !== 'string') throw new InvalidArgumentError('expected a level name or number');
        level = coerceHandlerLevel(spec.level);
      } catch (error) {
        problems.push(`${path}.level: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    let formatter: LogFormatter | undefined;
    if (spec.formatter !== undefined) {
      formatter = typeof spec.formatter === 'string' ? formatters.get(spec.formatter) : undefined;
      if (!formatter && !badFormatters.has(String(spec.formatter))) {
        problems.push(`${path}.formatter: no formatter named ${JSON.stringify(spec.formatter)}`);
      }
    }
    if (Array.isArray(spec.filters) ? spec.filters.length > 0 : spec.filters !== undefined) problems.push(`${path}.filters: logging filters are not supported`);

    if (cls === 'logging.StreamHandler') {
      const streams: Record<string, WritableText> = { 'ext://sys.stdout': process.stdout, 'ext://sys.stderr': process.stderr };
      const stream = spec.stream === undefined ? process.stderr : typeof spec.stream === 'string' ? streams[spec.stream] : undefined;
      if (!stream) problems.push(`${path}.stream: expected ext://sys.stdout or ext://sys.stderr`);
      else factories.push(() => new StreamLogHandler({ stream, level, formatter }));
    } else if (cls === 'logging.FileHandler') {
      const { filename, mode = 'a', encoding, delay = false } = spec;
      const ok = [
        typeof filename === 'string' && filename !== '' ? null : `${path}.filename: required`,
        mode === 'a' || mode === 'w' ? null : `${path}.mode: expected a or w`,
        encoding === undefined || encoding === null || /^utf-?8$/i.test(String(encoding)) ? null : `${path}.encoding: only utf-8 is supported`,
        typeof delay === 'boolean' ? null : `${path}.delay: expected a boolean`,
      ].filter((problem): problem is string => problem !== null);
      problems.push(...ok);
      if (ok.length === 0) factories.push(() => new FileLogHandler({ filename: filename as string, mode: mode as 'a' | 'w', delay: delay as boolean, level, formatter }));
    } else {
      factories.push(() => new NullLogHandler());
    }
  }
  // Validate everything before building anything: a bad block creates no files.
  if (problems.length > 0) throw new ConfigError(problems);
  return factories.map((build) => build());
}

/** The event log handler (Dagster's `get_event_log_handler`): a DEBUG-level {@link EventLogHandler} over the ops. */
export function getEventLogHandler(ops: Pick<EventsInstanceOps, 'handleNewEvent' | 'reportEngineEvent'>): EventLogHandler {
  return new EventLogHandler(ops, LogLevel.DEBUG);
}

/**
 * The handlers configured in `python_logs.dagster_handler_config` (Dagster's `get_yaml_python_handlers`), built by
 * {@link buildLogHandlers}; `[]` when none are configured. Warns once that this is a beta feature, as Dagster does.
 */
export function getYamlPythonHandlers(ops: Pick<EventsInstanceOps, 'getPythonLogDagsterHandlerConfig'>): LogHandler[] {
  const config = ops.getPythonLogDagsterHandlerConfig();
  if (Object.keys(config).length === 0) return [];
  warnOnce('Handling yaml-defined logging configuration is currently in beta.', 'BetaWarning');
  return buildLogHandlers(config);
}

/** The event log handler followed by the configured handlers (Dagster's `get_handlers`). */
export function getHandlers(ops: Pick<EventsInstanceOps, 'getEventLogHandler' | 'getYamlPythonHandlers'>): LogHandler[] {
  return [ops.getEventLogHandler(), ...ops.getYamlPythonHandlers()];
}
