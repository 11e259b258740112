import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Instance } from '@inst/core';
import { ConfigError, InstError } from '@inst/errors';
import Table from 'cli-table3';
import pc from 'picocolors';

/** Exit statuses: 0 success, 1 a failed operation, 2 bad usage, 130 interrupted (Ctrl-C). */
export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 });

/** Where the CLI writes; tests and embedders may pass their own streams. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Bad usage (exit 2): a missing home, conflicting flags, a malformed argument. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** A failed operation (exit 1) with a stable code, for failures that are not an {@link InstError}. */
export class CliFailure extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** The operation stopped on Ctrl-C (exit 130). */
export class InterruptedError extends Error {
  readonly code = 'INTERRUPTED';
}

/** The options every command accepts (commander's globals). */
export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

/** What a command's action gets: output helpers, the home, the Ctrl-C signal. */
export class CommandContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  readonly signal: AbortSignal;

  constructor(io: CliIo, options: GlobalOptions, signal: AbortSignal) {
    this.io = io;
    this.options = options;
    this.signal = signal;
  }

  get json(): boolean {
    return this.options.json === true;
  }

  /** The instance home: --home, else INST_HOME, else DAGSTER_HOME. */
  home(): string {
    const raw = this.options.home ?? (this.io.env.INST_HOME || undefined) ?? (this.io.env.DAGSTER_HOME || undefined);
    if (!raw) throw new UsageError('no instance home: pass --home DIR or set INST_HOME (or DAGSTER_HOME)');
    const home = resolve(this.io.cwd, raw);
    if (!existsSync(home) || !statSync(home).isDirectory()) throw new UsageError(`the instance home ${home} does not exist or is not a directory`);
    return home;
  }

  /** Opens the home's instance; dispose it with `await using`. */
  async instance(): Promise<Instance> {
    const home = this.home();
    // The config may read environment variables ({env: VAR}); those of the CLI's io are the process's in practice.
    return Instance.fromConfig(home);
  }

  /** Writes a line to stdout. */
  out(line = ''): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes a line to stderr (progress, notes): never mixed into --json output. */
  note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Prints one JSON document (with --json). */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints `value` as JSON with --json, else calls `human`. */
  emit(value: unknown, human: () => void): void {
    if (this.json) this.printJson(value);
    else human();
  }

  /** A table for people: a header and rows; "(none)" when there are no rows. */
  table(head: readonly string[], rows: readonly (readonly unknown[])[], empty = '(none)'): void {
    if (rows.length === 0) {
      this.out(empty);
      return;
    }
    const table = new Table({
      head: head.map((h) => (this.colors ? pc.bold(h) : h)),
      style: { head: [], border: [], compact: true },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
    this.out(table.toString());
  }

  /** Key/value lines for one record. */
  fields(entries: readonly (readonly [string, unknown])[]): void {
    const width = Math.max(...entries.map(([k]) => k.length));
    for (const [key, value] of entries) this.out(`${`${key}:`.padEnd(width + 2)}${value === null || value === undefined ? '-' : String(value)}`);
  }

  get colors(): boolean {
    return this.io.stdout.isTTY === true && !this.io.env.NO_COLOR;
  }

  /** Throws {@link InterruptedError} when Ctrl-C was pressed. */
  checkInterrupted(what = 'the operation'): void {
    if (this.signal.aborted) throw new InterruptedError(`interrupted: ${what} stopped`);
  }
}

/** One line per error, `inst: <code>: <message>`; a config error lists its problems as `path: message` lines. */
export function formatError(error: unknown): { lines: string[]; exitCode: number } {
  if (error instanceof UsageError) return { lines: [`inst: USAGE: ${error.message}`], exitCode: EXIT.USAGE };
  if (error instanceof InterruptedError) return { lines: [`inst: INTERRUPTED: ${oneLine(error.message)}`], exitCode: EXIT.INTERRUPTED };
  if (error instanceof CliFailure) return { lines: [`inst: ${error.code}: ${oneLine(error.message)}`], exitCode: EXIT.FAILED };
  if (error instanceof ConfigError) return { lines: ['inst: CONFIG_ERROR: invalid instance configuration', ...error.problems], exitCode: EXIT.FAILED };
  if (InstError.isInstance(error)) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error && !error.message.includes(cause.message) ? ` (${cause.message})` : '';
    return { lines: [`inst: ${error.code}: ${oneLine(error.message + detail)}`], exitCode: EXIT.FAILED };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { lines: [`inst: ERROR: ${oneLine(message)}`], exitCode: EXIT.FAILED };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `k=v` pairs into a record; repeated keys keep the last value. */
export function parseTags(pairs: readonly string[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`a tag must be KEY=VALUE, got ${JSON.stringify(pair)}`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return tags;
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A positive integer option value. */
export function positiveInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** An integer option value (0 allowed). */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Epoch seconds as an ISO string, or null. */
export function isoTime(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return null;
  return new Date(seconds * 1000).toISOString();
}

/** Epoch seconds as a short local-independent time for tables. */
export function shortTime(seconds: number | null | undefined): string {
  const iso = isoTime(seconds);
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}
