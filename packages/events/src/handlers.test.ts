import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@inst/errors';
import type { EngineEventData} from '@inst/types';
import { DagsterEvent, DagsterEventBatchMetadata, DagsterEventType, type EventLogEntry } from '@inst/types';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeOps } from './fake-ops.test-support';
import {
  buildLogHandlers,
  EventLogHandler,
  FileLogHandler,
  getHandlers,
  getYamlPythonHandlers,
  LogFormatter,
  StreamLogHandler,
  type DagsterLogRecordMetadata,
  type LogRecord,
} from './handlers';

const dir = mkdtempSync(join(tmpdir(), 'inst-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function record(meta: Partial<DagsterLogRecordMetadata> | null, overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    name: 'dagster',
    levelno: 20,
    msg: 'etl - r1 - formatted',
    created: 1_700_000_000.25,
    dagsterMeta: meta === null ? null : { runId: 'r1', jobName: 'etl', stepKey: 'step_a', origMessage: 'hello', ...meta },
    ...overrides,
  };
}

describe('EventLogHandler', () => {
  it('writes a record as an event log entry through handleNewEvent, with its batch metadata', async () => {
    const calls: [EventLogEntry, unknown][] = [];
    const ops = createFakeOps({ overrides: { handleNewEvent: async (entry, options) => void calls.push([entry, options?.batchMetadata]) } });
    const handler = ops.getEventLogHandler();
    const event = new DagsterEvent({ eventTypeValue: DagsterEventType.STEP_START, jobName: 'etl', message: 'Started' });
    const batch = new DagsterEventBatchMetadata({ id: 'b', isEnd: false });

    expect(handler).toBeInstanceOf(EventLogHandler);
    expect(handler.level).toBe(10);
    expect(await handler.handle(record({ dagsterEvent: event, dagsterEventBatchMetadata: batch }))).toBe(true);
    const [entry, passedBatch] = calls[0]!;
    expect({ level: entry.level, userMessage: entry.userMessage, runId: entry.runId, timestamp: entry.timestamp, stepKey: entry.stepKey, jobName: entry.jobName }).toEqual({
      level: 20,
      userMessage: 'hello',
      runId: 'r1',
      timestamp: 1_700_000_000.25,
      stepKey: 'step_a',
      jobName: 'etl',
    });
    expect(entry.dagsterEvent).toBe(event);
    expect(passedBatch).toBe(batch);

    // Below DEBUG: not handled.
    expect(await handler.handle(record({}, { levelno: 5 }))).toBe(false);
    expect(calls).toHaveLength(1);
  });

  it('stores through the real write path', async () => {
    const ops = createFakeOps();
    await ops.getEventLogHandler().handle(record({}));
    expect(ops.events.entries('r1').map((e) => e.userMessage)).toEqual(['hello']);
  });

  it('reports a failed plain log write as an engine event and swallows it; rethrows for DagsterEvents', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const engineCalls: unknown[][] = [];
    const ops = createFakeOps({
      overrides: {
        handleNewEvent: async () => {
          throw new Error('storage down');
        },
        reportEngineEvent: async (...args) => {
          engineCalls.push(args);
          return new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: 'etl' });
        },
      },
    });
    const handler = new EventLogHandler(ops);
    await expect(handler.handle(record({}))).resolves.toBe(true);
    expect(engineCalls).toHaveLength(1);
    const [message, run, data, cls, stepKey, jobName, runId] = engineCalls[0]!;
    expect([message, run, cls, stepKey, jobName, runId]).toEqual(['Exception while writing logger call to event log', null, null, 'step_a', 'etl', 'r1']);
    expect((data as EngineEventData).error?.message).toBe('Error: storage down\n');

    const event = new DagsterEvent({ eventTypeValue: DagsterEventType.STEP_START, jobName: 'etl' });
    await expect(handler.handle(record({ dagsterEvent: event }))).rejects.toThrow('storage down');
    expect(engineCalls).toHaveLength(1);
  });

  it('refuses records without Dagster metadata or run id', async () => {
    const handler = new EventLogHandler(createFakeOps());
    await expect(handler.handle(record(null))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(handler.handle(record({ runId: null }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('LogFormatter', () => {
  it('formats %-style fields as Python does', () => {
    const formatter = new LogFormatter('%(levelname)-8s|%(name)s|%(levelno)03d|%(created).1f|%(message)s %%', '%Y');
    expect(formatter.formatRecord(record({}, { levelno: 30 }))).toBe('WARNING |dagster|030|1700000000.2|etl - r1 - formatted %');
    expect(new LogFormatter('%(asctime)s', '%Y').formatRecord(record({}))).toBe(String(new Date(1_700_000_000_250).getFullYear()));
    expect(new LogFormatter('%(asctime)s').formatRecord(record({}))).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,250$/);
  });

  it('rounds %f ties to even, as Python', () => {
    const at = (created: number, format: string): string => new LogFormatter(format).formatRecord(record({}, { created }));
    expect([at(2.5, '%(created).0f'), at(3.5, '%(created).0f'), at(0.125, '%(created).2f'), at(0.375, '%(created).2f'), at(0.1, '%(created)f')]).toEqual([
      '2',
      '4',
      '0.12',
      '0.38',
      '0.100000',
    ]);
  });

  it('rejects unsupported attributes and date directives', () => {
    expect(() => new LogFormatter('%(threadName)s %(message)s', '%Q')).toThrow(ConfigError);
  });
});

describe('YAML-configured handlers', () => {
  it('builds stream and file handlers with level and formatter, in the order written', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const file = join(dir, 'dagster.log');
    writeFileSync(file, 'old contents\n');
    const handlers = buildLogHandlers({
      handlers: {
        console: { class: 'logging.StreamHandler', level: 'INFO', stream: 'ext://sys.stdout', formatter: 'short' },
        file: { class: 'logging.FileHandler', level: 'WARNING', filename: file, mode: 'w' },
      },
      formatters: { short: { format: '%(levelname)s: %(message)s' } },
    });
    expect(handlers.map((h) => [h.constructor.name, h.level])).toEqual([
      ['StreamLogHandler', 20],
      ['FileLogHandler', 30],
    ]);
    expect(readFileSync(file, 'utf8')).toBe('');

    for (const handler of handlers) {
      await handler.handle(record({}, { levelno: 20, msg: 'info line' }));
      await handler.handle(record({}, { levelno: 40, msg: 'error line' }));
    }
    expect(stdout.mock.calls.map(([text]) => text)).toEqual(['INFO: info line\n', 'ERROR: error line\n']);
    expect(readFileSync(file, 'utf8')).toBe('error line\n');
  });

  it('reports every problem of a bad block at once, building nothing', () => {
    const file = join(dir, 'never.log');
    let error: unknown;
    try {
      buildLogHandlers({
        handlers: {
          a: { class: 'logging.handlers.RotatingFileHandler' },
          b: { class: 'logging.StreamHandler', stream: 'ext://sys.stdin', level: 'LOUD', formatter: 'missing' },
          c: { class: 'logging.FileHandler', filename: file, filters: ['f'] },
        },
        formatters: { f: { format: '%(bogus)s' } },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const path = 'python_logs.dagster_handler_config';
    expect((error as ConfigError).problems).toEqual([
      `${path}.formatters.f.format: unsupported attribute %(bogus)`,
      `${path}.handlers.a.class: "logging.handlers.RotatingFileHandler" is not supported (supported: logging.StreamHandler, logging.FileHandler, logging.NullHandler)`,
      `${path}.handlers.b.level: Bad value for log level LOUD: permissible values are 'CRITICAL', 'DEBUG', 'ERROR', 'FATAL', 'INFO', 'WARN', 'WARNING'.`,
      `${path}.handlers.b.formatter: no formatter named "missing"`,
      `${path}.handlers.b.stream: expected ext://sys.stdout or ext://sys.stderr`,
      `${path}.handlers.c.filters: logging filters are not supported`,
    ]);
    expect(existsSync(file)).toBe(false);
  });

  it('getYamlPythonHandlers is [] without config, and warns once that it is beta otherwise', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(getYamlPythonHandlers(createFakeOps())).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    const ops = createFakeOps({ handlerConfig: { handlers: { quiet: { class: 'logging.NullHandler' } } } });
    expect(getYamlPythonHandlers(ops).map((h) => h.constructor.name)).toEqual(['NullLogHandler']);
    expect(warn).toHaveBeenCalledWith('Handling yaml-defined logging configuration is currently in beta.', { type: 'BetaWarning' });
  });

  it('getHandlers puts the event log handler first, then the configured ones, through the ops', () => {
    const extra = new StreamLogHandler({ stream: { write: () => true } });
    const ops = createFakeOps({ overrides: { getYamlPythonHandlers: () => [extra] } });
    const handlers = getHandlers(ops);
    expect(handlers).toHaveLength(2);
    expect(handlers[0]).toBeInstanceOf(EventLogHandler);
    expect(handlers[1]).toBe(extra);
  });

  it('a FileHandler in append mode keeps what the file holds', async () => {
    const file = join(dir, 'append.log');
    writeFileSync(file, 'kept\n');
    await new FileLogHandler({ filename: file }).handle(record({}, { msg: 'added' }));
    expect(readFileSync(file, 'utf8')).toBe('kept\nadded\n');
  });
});
