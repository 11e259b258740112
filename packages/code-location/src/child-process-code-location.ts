/**
 * A code location whose user code runs in its own child process — the code server — asked over IPC. The
 * process starts on the first request; one that dies is reported (pending requests reject with
 * {@link UserCodeUnreachableError}) and started again on the next request.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { DisposedError } from '@inst/errors';
import { deserializeValue, serializeValue } from '@inst/serdes';
import type { SerializableErrorInfo} from '@inst/types';
import { type ExecutionPlanSnapshot, type ManagedGrpcPythonEnvCodeLocationOrigin } from '@inst/types';
import { CodeLocationLoadError, UserCodeProcessError, UserCodeUnreachableError } from './errors';
import { childExecArgv, entryModulePath, OutputTail } from './node-process';
import type { CodeServerMessage, CodeServerMethod } from './protocol';
import { codeLocationOrigin, normalizeTarget, type CodeLocationTarget } from './target';
import type { CodeLocation, CodeLocationSnapshot, ExecutionPlanOptions, ScheduleEvaluation, ScheduleEvaluationContext, SensorEvaluation, SensorEvaluationContext } from './types';

/** Options of {@link ChildProcessCodeLocation}. */
export interface ChildProcessCodeLocationOptions {
  /** Environment of the code server (default: this process's); the location's `.env` is loaded over it. */
  env?: NodeJS.ProcessEnv;
  /** Extra Node flags for the code server. */
  execArgv?: readonly string[];
  /** Where the code server's stdout/stderr go: `'inherit'` (default) or `'ignore'` (still kept for error messages). */
  output?: 'inherit' | 'ignore';
}

interface Server {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly pending: Map<number, { resolve(value: unknown): void; reject(error: unknown): void; method: string }>;
  readonly stderr: OutputTail;
  exited: boolean;
  envVars: readonly string[];
}

/** A {@link CodeLocation} backed by a code server process (Dagster's managed gRPC code server). */
export class ChildProcessCodeLocation implements CodeLocation {
  readonly target: CodeLocationTarget;
  readonly #options: ChildProcessCodeLocationOptions;
  #server: Server | undefined;
  #nextId = 1;
  #disposed = false;
  #starts = 0;

  constructor(target: CodeLocationTarget, options: ChildProcessCodeLocationOptions = {}) {
    this.target = normalizeTarget(target);
    this.#options = options;
  }

  get name(): string {
    return this.target.locationName;
  }

  /** The Dagster-shaped origin of this location (what runs and instigators record). */
  get origin(): ManagedGrpcPythonEnvCodeLocationOrigin {
    return codeLocationOrigin(this.target);
  }

  /** The code server's pid while one is running. */
  get pid(): number | null {
    const server = this.#server;
    return server && !server.exited ? (server.child.pid ?? null) : null;
  }

  /** How many code server processes this location has started (1 + restarts after a death). */
  get serverStarts(): number {
    return this.#starts;
  }

  /** Names the code server set from the location's `.env` file. */
  async loadedEnvVars(): Promise<readonly string[]> {
    const server = await this.#ensureServer();
    return server.envVars;
  }

  snapshot(): Promise<CodeLocationSnapshot> {
    return this.#request('snapshot', []) as Promise<CodeLocationSnapshot>;
  }

  executionPlan(jobName: string, options: ExecutionPlanOptions = {}): Promise<ExecutionPlanSnapshot> {
    return this.#request('executionPlan', [jobName, options]) as Promise<ExecutionPlanSnapshot>;
  }

  partitionKeys(jobName: string): Promise<string[]> {
    return this.#request('partitionKeys', [jobName]) as Promise<string[]>;
  }

  evaluateSchedule(name: string, context: ScheduleEvaluationContext): Promise<ScheduleEvaluation> {
    return this.#request('evaluateSchedule', [name, context]) as Promise<ScheduleEvaluation>;
  }

  evaluateSensor(name: string, context: SensorEvaluationContext): Promise<SensorEvaluation> {
    const { instance: _instance, ...rest } = context as SensorEvaluationContext & { instance?: unknown };
    return this.#request('evaluateSensor', [name, rest]) as Promise<SensorEvaluation>;
  }

  /** Starts the code server if it is not running (it also starts on the first request). */
  async start(): Promise<void> {
    await this.#ensureServer();
  }

  /** Stops the code server; later requests throw DisposedError. Safe to call twice. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    const server = this.#server;
    this.#server = undefined;
    if (server && !server.exited) {
      const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
      server.child.kill('SIGTERM');
      await exited;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  async #request(method: CodeServerMethod, args: unknown[]): Promise<unknown> {
    const server = await this.#ensureServer();
    const id = this.#nextId++;
    const payload = serializeValue(args);
    return new Promise((resolve, reject) => {
      server.pending.set(id, { resolve, reject, method });
      server.child.send({ kind: 'request', id, method, args: payload }, (error) => {
        if (error && server.pending.delete(id)) reject(new UserCodeUnreachableError(this.name, `could not send ${method}: ${error.message}`, {}, { cause: error }));
      });
    });
  }

  async #ensureServer(): Promise<Server> {
    if (this.#disposed) throw new DisposedError(`Code location ${this.name} is disposed`);
    let server = this.#server;
    if (!server || server.exited) {
      server = this.#spawn();
      this.#server = server;
    }
    try {
      await server.ready;
    } catch (error) {
      if (this.#server === server) this.#server = undefined;
      throw error;
    }
    return server;
  }

  #spawn(): Server {
    this.#starts++;
    const output = this.#options.output ?? 'inherit';
    const child = fork(entryModulePath('code-server-main'), [JSON.stringify(this.target)], {
      cwd: this.target.workingDirectory,
      env: this.#options.env ?? process.env,
      execArgv: childExecArgv(this.#options.execArgv),
      stdio: ['ignore', output === 'inherit' ? 'inherit' : 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const stderr = new OutputTail();
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      if (output === 'inherit') process.stderr.write(chunk);
    });
    const pending: Server['pending'] = new Map();
    let settleReady: { resolve(): void; reject(error: unknown): void } | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settleReady = { resolve, reject };
    });
    // The caller always awaits `ready`; this keeps an early rejection from being reported as unhandled.
    ready.catch(() => undefined);
    const server: Server = { child, ready, pending, stderr, exited: false, envVars: [] };
    let loadError: CodeLocationLoadError | undefined;

    child.on('message', (message: CodeServerMessage) => {
      switch (message.kind) {
        case 'ready':
          server.envVars = message.envVars;
          settleReady?.resolve();
          break;
        case 'loadError':
          loadError = new CodeLocationLoadError(this.name, deserializeValue(message.error) as SerializableErrorInfo);
          settleReady?.reject(loadError);
          break;
        case 'response': {
          const waiter = pending.get(message.id);
          if (!waiter) return;
          pending.delete(message.id);
          if (message.ok) waiter.resolve(deserializeValue(message.result));
          else waiter.reject(new UserCodeProcessError(this.name, waiter.method, deserializeValue(message.error) as SerializableErrorInfo));
          break;
        }
      }
    });
    child.on('error', (error) => {
      settleReady?.reject(new UserCodeUnreachableError(this.name, `could not start the code server: ${error.message}`, {}, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      server.exited = true;
      const tail = stderr.text.trim();
      const detail = `the code server (pid ${child.pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`}${tail ? `; its stderr ended with:\n${tail}` : ''}`;
      const error = new UserCodeUnreachableError(this.name, detail, { exitCode: code, signal });
      settleReady?.reject(loadError ?? error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
    return server;
  }
}
