/**
 * Compute log managers (Dagster's `ComputeLogManager` with the captured-log API, `LocalComputeLogManager`,
 * `NoOpComputeLogManager`). A log key is a list of strings; the local manager keeps
 * `<base_dir>/<key[0]>/…/<key[-2]>/<key[-1]>.out|.err|.complete`, so a run's captured logs live at
 * `<base_dir>/<run_id>/compute_logs/<file_key>.out` as in Dagster.
 */
import { createHash, randomInt } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '@inst/errors';

/** Which stream (Dagster's `ComputeIOType`). */
export const ComputeIOType = Object.freeze({ STDOUT: 'stdout', STDERR: 'stderr' } as const);
/** A member value of {@link ComputeIOType}. */
export type ComputeIOType = (typeof ComputeIOType)[keyof typeof ComputeIOType];

/** What capturing returns (Dagster's `CapturedLogContext`). */
export interface CapturedLogContext {
  readonly logKey: readonly string[];
  readonly externalUrl: string | null;
  readonly externalStdoutUrl: string | null;
  readonly externalStderrUrl: string | null;
}

/** A chunk of captured logs and the cursor after it (Dagster's `CapturedLogData`). */
export interface CapturedLogData {
  readonly logKey: readonly string[];
  readonly stdout: Buffer | null;
  readonly stderr: Buffer | null;
  readonly cursor: string | null;
}

/** Where captured logs are (Dagster's `CapturedLogMetadata`). */
export interface CapturedLogMetadata {
  readonly stdoutLocation: string | null;
  readonly stderrLocation: string | null;
  readonly stdoutDownloadUrl: string | null;
  readonly stderrDownloadUrl: string | null;
}

/** An open capture: the sink the capturing code writes to, closed once the captured code is done. */
export interface ComputeLogCapture {
  readonly context: CapturedLogContext;
  write(ioType: ComputeIOType, chunk: string | Uint8Array): void;
  /** Flushes and marks the capture complete. */
  close(): Promise<void>;
}

/** A compute log manager: where captured stdout/stderr go and how they are read back. */
export interface ComputeLogManager {
  /** `[run_id, "compute_logs", file_key]`. */
  buildLogKeyForRun(runId: string, fileKey: string): string[];
  /** Opens a capture for a log key (Dagster's `capture_logs` context manager, entered). */
  openCapture(logKey: readonly string[]): Promise<ComputeLogCapture>;
  isCaptureComplete(logKey: readonly string[]): Promise<boolean>;
  /** Raw bytes of one stream from a byte offset; a missing file gives `[null, offset]`. */
  getLogDataForType(logKey: readonly string[], ioType: ComputeIOType, offset?: number, maxBytes?: number | null): Promise<[Buffer | null, number]>;
  /** Both streams from a cursor `"<stdout offset>:<stderr offset>"`. */
  getLogData(logKey: readonly string[], cursor?: string | null, maxBytes?: number | null): Promise<CapturedLogData>;
  getLogMetadata(logKey: readonly string[]): CapturedLogMetadata;
  /** Deletes one key's files, or everything under a prefix. */
  deleteLogs(options: { logKey?: readonly string[]; prefix?: readonly string[] }): Promise<void>;
  /** Keys of the files with that stream's suffix directly under a prefix. */
  getLogKeysForLogKeyPrefix(prefix: readonly string[], ioType: ComputeIOType): Promise<string[][]>;
  dispose(): void | Promise<void>;
}

/** Eight random lowercase ASCII letters (Dagster's `create_compute_log_file_key`). */
export function createComputeLogFileKey(): string {
  let key = '';
  for (let i = 0; i < 8; i++) key += String.fromCharCode(97 + randomInt(26));
  return key;
}

/** Dagster's cursor text: `"<stdout offset>:<stderr offset>"`; malformed → 0:0. */
export function parseLogCursor(cursor: string | null | undefined): [number, number] {
  if (!cursor) return [0, 0];
  const parts = cursor.split(':');
  if (parts.length !== 2) return [0, 0];
  const [out, err] = parts.map((part) => Number.parseInt(part, 10));
  return Number.isFinite(out) && Number.isFinite(err) ? [out!, err!] : [0, 0];
}

const EXTENSIONS: Record<ComputeIOType, string> = { stdout: 'out', stderr: 'err' };
const MAX_FILENAME_LENGTH = 255;

/** Dagster's `LocalComputeLogManager` (config: `base_dir`, `polling_timeout`). */
export class LocalComputeLogManager implements ComputeLogManager {
  readonly baseDir: string;
  readonly pollingTimeout: number;

  constructor(options: { baseDir: string; pollingTimeout?: number }) {
    this.baseDir = resolve(options.baseDir);
    this.pollingTimeout = options.pollingTimeout ?? 2.5;
  }

  buildLogKeyForRun(runId: string, fileKey: string): string[] {
    return [runId, 'compute_logs', fileKey];
  }

  /** The file of a key and extension (`out`, `err`, `complete`); names over 255 chars become `md5(last).ext`. */
  getCapturedLocalPath(logKey: readonly string[], extension: string, partial = false): string {
    if (logKey.length === 0) throw new InvalidArgumentError('A log key needs at least one part');
    const last = logKey.at(-1)!;
    const suffix = partial ? `${extension}.partial` : extension;
    let filename = `${last}.${suffix}`;
    if (filename.length > MAX_FILENAME_LENGTH) filename = `${createHash('md5').update(last).digest('hex')}.${suffix}`;
    const path = resolve(this.baseDir, ...logKey.slice(0, -1), filename);
    if (path !== this.baseDir && !path.startsWith(this.baseDir + sep)) throw new InvalidArgumentError('Invalid path');
    return path;
  }

  async openCapture(logKey: readonly string[]): Promise<ComputeLogCapture> {
    const outPath = this.getCapturedLocalPath(logKey, 'out');
    const errPath = this.getCapturedLocalPath(logKey, 'err');
    const completePath = this.getCapturedLocalPath(logKey, 'complete');
    mkdirSync(resolve(outPath, '..'), { recursive: true });
    const streams: Record<ComputeIOType, WriteStream> = {
      stdout: createWriteStream(outPath, { flags: 'a', encoding: 'utf8' }),
      stderr: createWriteStream(errPath, { flags: 'a', encoding: 'utf8' }),
    };
    await Promise.all(Object.values(streams).map((stream) => new Promise<void>((ok, fail) => stream.once('open', () => ok()).once('error', fail))));
    let closed = false;
    return {
      context: { logKey: [...logKey], externalUrl: null, externalStdoutUrl: null, externalStderrUrl: null },
      write(ioType, chunk) {
        if (!closed) streams[ioType].write(chunk);
      },
      async close() {
        if (closed) return;
        closed = true;
        await Promise.all(Object.values(streams).map((stream) => new Promise<void>((ok) => stream.end(() => ok()))));
        writeFileSync(completePath, '');
      },
    };
  }

  async isCaptureComplete(logKey: readonly string[]): Promise<boolean> {
    return existsSync(this.getCapturedLocalPath(logKey, 'complete'));
  }

  async getLogDataForType(logKey: readonly string[], ioType: ComputeIOType, offset = 0, maxBytes: number | null = null): Promise<[Buffer | null, number]> {
    const path = this.getCapturedLocalPath(logKey, EXTENSIONS[ioType]);
    if (!existsSync(path)) return [null, offset];
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.max(0, maxBytes === null ? size - offset : Math.min(maxBytes, size - offset));
      const buffer = Buffer.alloc(length);
      const { bytesRead } = length > 0 ? await handle.read(buffer, 0, length, offset) : { bytesRead: 0 };
      return [buffer.subarray(0, bytesRead), offset + bytesRead];
    } finally {
      await handle.close();
    }
  }

  async getLogData(logKey: readonly string[], cursor: string | null = null, maxBytes: number | null = null): Promise<CapturedLogData> {
    const [outOffset, errOffset] = parseLogCursor(cursor);
    const [stdout, nextOut] = await this.getLogDataForType(logKey, ComputeIOType.STDOUT, outOffset, maxBytes);
    const [stderr, nextErr] = await this.getLogDataForType(logKey, ComputeIOType.STDERR, errOffset, maxBytes);
    return { logKey: [...logKey], stdout, stderr, cursor: `${nextOut}:${nextErr}` };
  }

  getLogMetadata(logKey: readonly string[]): CapturedLogMetadata {
    return {
      stdoutLocation: this.getCapturedLocalPath(logKey, 'out'),
      stderrLocation: this.getCapturedLocalPath(logKey, 'err'),
      stdoutDownloadUrl: `/logs/${logKey.join('/')}/out`,
      stderrDownloadUrl: `/logs/${logKey.join('/')}/err`,
    };
  }

  async deleteLogs(options: { logKey?: readonly string[]; prefix?: readonly string[] }): Promise<void> {
    if (options.logKey) {
      for (const [extension, partial] of [['out', false], ['err', false], ['out', true], ['err', true], ['complete', false]] as const) {
        rmSync(this.getCapturedLocalPath(options.logKey, extension, partial), { force: true });
      }
      return;
    }
    if (options.prefix) {
      const dir = resolve(this.baseDir, ...options.prefix);
      if (!dir.startsWith(this.baseDir + sep)) throw new InvalidArgumentError('Invalid path');
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    throw new InvalidArgumentError('deleteLogs needs a logKey or a prefix');
  }

  async getLogKeysForLogKeyPrefix(prefix: readonly string[], ioType: ComputeIOType): Promise<string[][]> {
    const dir = join(this.baseDir, ...prefix);
    if (!existsSync(dir)) return [];
    const suffix = `.${EXTENSIONS[ioType]}`;
    return readdirSync(dir)
      .filter((name) => name.endsWith(suffix))
      .sort()
      .map((name) => [...prefix, name.slice(0, -suffix.length)]);
  }

  dispose(): void {}
}

/** Dagster's `NoOpComputeLogManager`: captures and stores nothing. */
export class NoOpComputeLogManager implements ComputeLogManager {
  buildLogKeyForRun(runId: string, fileKey: string): string[] {
    return [runId, 'compute_logs', fileKey];
  }
  async openCapture(logKey: readonly string[]): Promise<ComputeLogCapture> {
    return { context: { logKey: [...logKey], externalUrl: null, externalStdoutUrl: null, externalStderrUrl: null }, write() {}, async close() {} };
  }
  async isCaptureComplete(): Promise<boolean> {
    return true;
  }
  async getLogDataForType(_logKey: readonly string[], _ioType: ComputeIOType, offset = 0): Promise<[Buffer | null, number]> {
    return [null, offset];
  }
  async getLogData(logKey: readonly string[]): Promise<CapturedLogData> {
    return { logKey: [...logKey], stdout: null, stderr: null, cursor: null };
  }
  getLogMetadata(): CapturedLogMetadata {
    return { stdoutLocation: null, stderrLocation: null, stdoutDownloadUrl: null, stderrDownloadUrl: null };
  }
  async deleteLogs(): Promise<void> {}
  async getLogKeysForLogKeyPrefix(): Promise<string[][]> {
    return [];
  }
  dispose(): void {}
}

/**
 * The manager an instance's `compute_logs` config names: `LocalComputeLogManager` (default, `base_dir` defaulting
 * to `<home>/storage`) or `NoOpComputeLogManager`. Any other class is refused.
 */
export function computeLogManagerFromConfig(config: { class?: string; config?: Readonly<Record<string, unknown>> } | null | undefined, defaultBaseDir: string): ComputeLogManager {
  const named = config?.class ?? 'LocalComputeLogManager';
  switch (named) {
    case 'LocalComputeLogManager': {
      const baseDir = config?.config?.base_dir;
      const pollingTimeout = config?.config?.polling_timeout;
      return new LocalComputeLogManager({
        baseDir: typeof baseDir === 'string' ? baseDir : defaultBaseDir,
        ...(typeof pollingTimeout === 'number' ? { pollingTimeout } : {}),
      });
    }
    case 'NoOpComputeLogManager':
      return new NoOpComputeLogManager();
    default:
      throw new InvalidArgumentError(`compute_logs class ${named} is not available in inst; use LocalComputeLogManager or NoOpComputeLogManager`);
  }
}
