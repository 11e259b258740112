/**
 * The default run launcher (Dagster's `DefaultRunLauncher` counterpart): each run executes in its own OS process
 * — the run worker — which opens the instance from its ref and loads the job from the code location the run
 * records. The worker's host and pid are in the run's `.inst/run_worker` tag, so `terminate` and
 * `checkRunWorkerHealth` work from any process on that host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InvariantViolationError, InvalidArgumentError } from '@inst/errors';
import { WorkerStatus, type CheckRunHealthResult, type LaunchRunContext, type ResumeRunContext, type RunLauncher } from '@inst/run-launcher';
import type { EngineEventData} from '@inst/types';
import { DagsterRunStatus, type DagsterRun } from '@inst/types';
import { entryModulePath, runWorkerExecArgv } from './node-process';
import { RUN_WORKER_TAG, processIsAlive, runWorkerOf, runWorkerTagValue, type RunWorkerArgs } from './run-worker';
import { targetOfRun } from './target';

/** What the launcher uses of the instance it is registered with (`@inst/core`'s Instance has all of it). */
export interface ChildProcessLauncherInstance {
  getRef(): unknown;
  getRunById(runId: string): Promise<DagsterRun | null | undefined>;
  addRunTags(runId: string, tags: Record<string, string>): Promise<unknown>;
  reportEngineEvent(message: string, run?: DagsterRun | null, data?: EngineEventData | null): Promise<unknown>;
  reportRunCanceling(run: DagsterRun, message?: string | null): Promise<unknown>;
  reportRunCanceled(run: DagsterRun, message?: string | null): Promise<unknown>;
  /** Base directory of local artifacts; worker output goes to `<root>/run-workers/<runId>.log`. */
  readonly rootDirectory?: string;
}

/** Options of {@link ChildProcessRunLauncher}. */
export interface ChildProcessRunLauncherOptions {
  /**
   * The module a worker opens the instance with: it exports `Instance` (with a static `fromRef`) or
   * `openInstance(ref)`. `@inst/core` passes its own entry; default the `INST_INSTANCE_MODULE` environment variable.
   */
  instanceModule?: string;
  /** Seconds between SIGTERM and SIGKILL when terminating (default 10). */
  terminateGracePeriodSeconds?: number;
  /** Environment of the workers (default this process's). */
  env?: NodeJS.ProcessEnv;
  /** Extra Node flags for the workers. */
  execArgv?: readonly string[];
  /** The instance; normally the instance registers itself. */
  instance?: ChildProcessLauncherInstance;
  /** Poll interval (ms) while waiting for a terminated worker to exit (default 50). */
  pollIntervalMs?: number;
  /**
   * How often (ms) a worker reads its run's status to notice a termination asked for through storage (a
   * terminate from another host); default 1000, 0 turns it off (then only signals stop a worker).
   */
  cancelPollIntervalMs?: number;
  /** This launcher's host name, compared with the host in a run's worker tag (default `os.hostname()`). */
  host?: string;
  /**
   * After the first launch, keep spare workers with the instance open and the executor loaded, so the next runs
   * start without paying for Node, tsx and module loading (default true; false is `spareWorkers: 0`).
   */
  prewarm?: boolean;
  /**
   * How many spare workers to keep (default {@link DEFAULT_SPARE_WORKERS}). Each takes one run and is replaced;
   * a spare that dies is dropped from the pool (and replaced, unless it died before it was ready).
   */
  spareWorkers?: number;
}

/** Spare workers kept by default: enough for a few launches in quick succession. */
export const DEFAULT_SPARE_WORKERS = 2;

const LAUNCHER = 'ChildProcessRunLauncher';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs each run in its own OS process; supports termination from any process, worker health checks and resume. */
export class ChildProcessRunLauncher implements RunLauncher {
  readonly supportsResumeRun = true;
  readonly supportsCheckRunWorkerHealth = true;
  #registered: ChildProcessLauncherInstance | undefined;
  readonly #options: ChildProcessRunLauncherOptions;
  /** Spare workers, oldest first (ready or still starting). */
  readonly #spares: Spare[] = [];
  readonly #spareTarget: number;
  readonly #host: string;
  #disposed = false;
  /** Workers started by this launcher, by run id, until they exit. */
  readonly #children = new Map<string, { child: ChildProcess; exited: Promise<void> }>();

  constructor(options: ChildProcessRunLauncherOptions = {}) {
    this.#options = options;
    this.#registered = options.instance;
    this.#host = options.host ?? hostname();
    const spares = options.prewarm === false ? 0 : (options.spareWorkers ?? DEFAULT_SPARE_WORKERS);
    if (!Number.isInteger(spares) || spares < 0) throw new InvalidArgumentError(`spareWorkers must be a whole number of workers, 0 or more; got ${String(options.spareWorkers)}`);
    this.#spareTarget = spares;
  }

  /** Pids of the spare workers (ready or starting). */
  get spareWorkers(): readonly number[] {
    return this.#spares.map((spare) => spare.child.pid ?? -1);
  }

  /** Pids of the spare workers that have the instance open and wait for a run. */
  get readySpareWorkers(): readonly number[] {
    return this.#spares.filter((spare) => spare.ready).map((spare) => spare.child.pid ?? -1);
  }

  /** Called once by the instance that takes this launcher. */
  registerInstance(instance: object): void {
    if (this.#registered !== undefined && this.#registered !== instance) throw new InvariantViolationError(`${LAUNCHER} is already registered with another instance`);
    this.#registered = instance as ChildProcessLauncherInstance;
  }

  #instance(): ChildProcessLauncherInstance {
    if (!this.#registered) throw new InvariantViolationError(`${LAUNCHER} has no instance; the instance registers itself with registerInstance(instance)`);
    return this.#registered;
  }

  /** Pids of workers this launcher started that are still running, by run id. */
  get activeWorkers(): ReadonlyMap<string, number> {
    return new Map([...this.#children].map(([runId, { child }]) => [runId, child.pid ?? -1]));
  }

  /** Starts the run's worker process (the run is STARTING); returns once the worker is spawned and recorded on the run. */
  async launchRun(context: LaunchRunContext): Promise<void> {
    await this.#startWorker(context.dagsterRun, false);
  }

  /** Starts a new worker for a run whose worker died; it skips the steps that already succeeded. */
  async resumeRun(context: ResumeRunContext): Promise<void> {
    await this.#startWorker(context.dagsterRun, true);
  }

  /**
   * Asks the run's worker to stop. RUN_CANCELING is written first; a worker reads its run's status while it runs
   * and stops itself on it (it ends the run CANCELED), which is all a process on another host (or without the
   * right to signal the worker) can do: it returns true then. On the worker's host it also sends SIGTERM, and
   * SIGKILL after the grace period (writing RUN_CANCELED itself). False for an unknown or finished run, or a run
   * with no recorded worker (the run stays CANCELING until monitoring's cancel timeout, as in Dagster).
   */
  async terminate(runId: string): Promise<boolean> {
    const instance = this.#instance();
    const run = await instance.getRunById(runId);
    if (!run || run.isFinished) return false;
    if (run.status !== DagsterRunStatus.CANCELING) await instance.reportRunCanceling(run);
    const worker = runWorkerOf(run.tags);
    if (!worker) {
      await instance.reportEngineEvent(`[${LAUNCHER}] Unable to find the run worker to send a termination request to.`, run);
      return false;
    }
    const throughStorage = async (why: string): Promise<boolean> => {
      await instance.reportEngineEvent(`[${LAUNCHER}] ${why}; the worker (pid ${worker.pid}) stops on the run's CANCELING status.`, run);
      return true;
    };
    if (worker.host !== this.#host) return throughStorage(`The run worker runs on host ${worker.host}`);
    if (!processIsAlive(worker.pid)) {
      const latest = (await instance.getRunById(runId)) ?? run;
      if (!latest.isFinished) await instance.reportRunCanceled(latest, `Run worker (pid ${worker.pid}) was not running; marking the run as canceled.`);
      return true;
    }
    try {
      process.kill(worker.pid, 'SIGTERM');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPERM') return throughStorage('This process may not signal the run worker');
      // It exited in between; handled below like a worker that stopped on its own.
    }
    const grace = (this.#options.terminateGracePeriodSeconds ?? 10) * 1000;
    const poll = this.#options.pollIntervalMs ?? 50;
    const deadline = Date.now() + grace;
    while (processIsAlive(worker.pid) && Date.now() < deadline) await sleep(poll);
    if (processIsAlive(worker.pid)) {
      try {
        process.kill(worker.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      while (processIsAlive(worker.pid)) await sleep(poll);
      const latest = (await instance.getRunById(runId)) ?? run;
      if (!latest.isFinished) await instance.reportRunCanceled(latest, `Run worker (pid ${worker.pid}) did not stop within ${grace / 1000} seconds of SIGTERM and was killed.`);
      return true;
    }
    const latest = (await instance.getRunById(runId)) ?? run;
    if (!latest.isFinished) {
      await instance.reportRunCanceled(latest, `Run worker (pid ${worker.pid}) exited without finishing the run; marking the run as canceled.`);
    }
    return true;
  }

  /**
   * SUCCESS or FAILED for a finished run (by its status); for a run in progress RUNNING while the worker's process
   * lives, else FAILED ("not running": the worker died). UNKNOWN for a worker on another host, NOT_FOUND
   * for a run without a worker tag.
   */
  async checkRunWorkerHealth(run: DagsterRun): Promise<CheckRunHealthResult> {
    const instance = this.#registered;
    const latest = (await instance?.getRunById(run.runId)) ?? run;
    const worker = runWorkerOf(latest.tags);
    if (!worker) return { status: WorkerStatus.NOT_FOUND, msg: `Run ${run.runId} has no ${RUN_WORKER_TAG} tag` };
    const runWorkerId = `${worker.host}:${worker.pid}`;
    if (worker.host !== this.#host) return { status: WorkerStatus.UNKNOWN, msg: `Run worker runs on host ${worker.host}`, runWorkerId };
    // A finished run's worker is done, even while its process is still closing the instance.
    if (latest.status === DagsterRunStatus.SUCCESS) return { status: WorkerStatus.SUCCESS, runWorkerId };
    if (latest.isFinished) return { status: WorkerStatus.FAILED, msg: `The run ended ${latest.status}`, runWorkerId };
    if (processIsAlive(worker.pid)) return { status: WorkerStatus.RUNNING, runWorkerId };
    return { status: WorkerStatus.FAILED, msg: `Run worker process (pid ${worker.pid}) is not running`, runWorkerId };
  }

  /** The worker's host, pid and log file, for run monitoring's messages. */
  async getRunWorkerDebugInfo(run: DagsterRun): Promise<string | null> {
    const worker = runWorkerOf(run.tags);
    if (!worker) return null;
    const root = this.#registered?.rootDirectory;
    return `Run worker: host ${worker.host}, pid ${worker.pid}${root ? `, output in ${join(root, 'run-workers', `${run.runId}.log`)}` : ''}`;
  }

  /** Waits for the workers this launcher started to exit, up to `timeoutMs` (default 30 s). */
  async join(timeoutMs = 30_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([...this.#children.values()].map((c) => c.exited)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Stops the spare workers; run workers keep running (they are their runs' own processes). */
  async dispose(): Promise<void> {
    this.#disposed = true;
    const spares = this.#spares.splice(0);
    await Promise.all(
      spares
        .filter((spare) => !spare.gone)
        .map(async (spare) => {
          const exited = new Promise<void>((resolve) => spare.child.once('exit', () => resolve()));
          spare.child.kill('SIGTERM');
          await Promise.race([exited, sleep(5_000)]);
          if (!spare.gone) spare.child.kill('SIGKILL');
        }),
    );
  }

  #cancelPoll(): { cancelPollMs?: number } {
    return this.#options.cancelPollIntervalMs === undefined ? {} : { cancelPollMs: this.#options.cancelPollIntervalMs };
  }

  #instanceModule(): string {
    const module = this.#options.instanceModule ?? process.env.INST_INSTANCE_MODULE;
    if (!module) {
      throw new InvalidArgumentError(
        `${LAUNCHER} needs an instanceModule (a module exporting Instance) so that run workers can open the instance; @inst/core's default launcher sets it`,
      );
    }
    return module;
  }

  async #startWorker(run: DagsterRun, resume: boolean): Promise<void> {
    const instance = this.#instance();
    targetOfRun(run); // A run that records no code location cannot be executed anywhere: fail the launch now.
    const previous = this.#children.get(run.runId);
    // A worker that died may not have been reaped yet; only a live one blocks a new worker.
    if (previous && (previous.child.exitCode !== null || previous.child.signalCode !== null || !processIsAlive(previous.child.pid ?? -1))) this.#children.delete(run.runId);
    if (this.#children.has(run.runId)) throw new InvariantViolationError(`Run ${run.runId} already has a worker started by this launcher`, { ids: { runId: run.runId } });

    let child = await this.#takeSpare(run.runId, resume);
    if (!child) {
      const args: RunWorkerArgs = { runId: run.runId, instanceRef: instance.getRef(), instanceModule: this.#instanceModule(), resume, ...this.#cancelPoll() };
      child = this.#spawnWorker(args, `${run.runId}.log`, false);
      if (child.pid === undefined) {
        const spawned = child;
        const error = await new Promise<Error>((resolve) => spawned.once('error', resolve));
        throw new InvariantViolationError(`Could not start the run worker of run ${run.runId}: ${error.message}`, { ids: { runId: run.runId }, cause: error });
      }
    }
    const worker = child;
    const exited = new Promise<void>((resolve) => {
      if (worker.exitCode !== null || worker.signalCode !== null) resolve();
      else worker.once('exit', () => resolve());
    });
    this.#children.set(run.runId, { child: worker, exited });
    void exited.then(() => {
      if (this.#children.get(run.runId)?.child === worker) this.#children.delete(run.runId);
    });
    worker.unref();
    await instance.addRunTags(run.runId, { [RUN_WORKER_TAG]: runWorkerTagValue(worker.pid!) });
    // The next launches get workers that have already loaded the instance and the executor.
    this.#replenishSpares();
  }

  #spawnWorker(args: RunWorkerArgs, logName: string, spare: boolean): ChildProcess {
    const root = this.#registered?.rootDirectory;
    let output: number | 'ignore' = 'ignore';
    if (root) {
      const dir = join(root, 'run-workers');
      mkdirSync(dir, { recursive: true });
      output = openSync(join(dir, logName), 'a');
    }
    try {
      return spawn(process.execPath, [...runWorkerExecArgv(this.#options.execArgv), entryModulePath('run-worker-main'), JSON.stringify(args)], {
        detached: true,
        env: this.#options.env ?? process.env,
        stdio: spare ? ['ignore', output, output, 'ipc'] : ['ignore', output, output],
      });
    } finally {
      if (typeof output === 'number') closeSync(output);
    }
  }

  /** Starts spare workers (instance open, waiting for a run) until the pool has its size. */
  #replenishSpares(): void {
    while (this.#spares.length < this.#spareTarget && !this.#disposed) {
      if (!this.#startSpare()) return;
    }
  }

  /** Starts one spare worker; false when the launcher cannot start workers (no instance module). */
  #startSpare(): boolean {
    let args: RunWorkerArgs;
    try {
      args = { runId: '', instanceRef: this.#instance().getRef(), instanceModule: this.#instanceModule(), resume: false, spare: true, ...this.#cancelPoll() };
    } catch {
      return false;
    }
    const logName = `spare-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.log`;
    const child = this.#spawnWorker(args, logName, true);
    let settle: (ok: boolean) => void = () => {};
    const spare: Spare = { child, logName, ready: false, gone: false, whenReady: new Promise<boolean>((resolve) => (settle = resolve)) };
    this.#spares.push(spare);
    child.on('message', (message: { kind?: string }) => {
      if (message?.kind === 'spare-ready') {
        spare.ready = true;
        settle(true);
      }
    });
    const forget = (): void => {
      if (spare.gone) return;
      spare.gone = true;
      settle(false);
      const at = this.#spares.indexOf(spare);
      if (at < 0) return; // handed to a run
      this.#spares.splice(at, 1);
      // A spare killed while waiting is replaced; one that died before it was ready is not (it would die again,
      // e.g. an instance that cannot be opened): the next launch starts cold and tries again.
      if (spare.ready) this.#replenishSpares();
    };
    child.once('exit', forget);
    child.once('error', forget);
    // An idle spare keeps neither this process alive nor its event loop busy; it exits when this process does.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    return true;
  }

  /**
   * Hands the run to a spare worker — a ready one, else the one that started first (it is further along than a
   * worker started now) — or undefined (cold start) when there is none or it does not accept.
   */
  async #takeSpare(runId: string, resume: boolean): Promise<ChildProcess | undefined> {
    const at = Math.max(0, this.#spares.findIndex((candidate) => candidate.ready && !candidate.gone));
    const spare = this.#spares[at];
    if (!spare || spare.gone) return undefined;
    this.#spares.splice(at, 1);
    if (!spare.ready && !(await spare.whenReady)) return undefined;
    if (!spare.child.connected) return undefined;
    const accepted = await new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        spare.child.off('message', onMessage);
        spare.child.off('exit', onExit);
        resolve(ok);
      };
      const onMessage = (message: { kind?: string }): void => {
        if (message?.kind === 'accepted') done(true);
      };
      const onExit = (): void => done(false);
      spare.child.on('message', onMessage);
      spare.child.once('exit', onExit);
      spare.child.send({ kind: 'run', runId, resume }, (error) => {
        if (error) done(false);
      });
    });
    if (!accepted) {
      spare.child.kill('SIGKILL');
      return undefined;
    }
    const root = this.#registered?.rootDirectory;
    if (root) {
      try {
        renameSync(join(root, 'run-workers', spare.logName), join(root, 'run-workers', `${runId}.log`));
      } catch {
        // The log keeps its spare name.
      }
    }
    return spare.child;
  }
}

interface Spare {
  readonly child: ChildProcess;
  readonly logName: string;
  ready: boolean;
  gone: boolean;
  /** Resolves true once the spare has the instance open, false if it exits first. */
  readonly whenReady: Promise<boolean>;
}
