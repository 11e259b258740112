/**
 * What the run worker and the child-process launcher share: the worker's arguments (Dagster's `ExecuteRunArgs`
 * / `ResumeRunArgs`), the run tag that records where the worker runs, and the messages Dagster's worker writes.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a run worker is started with (argv JSON). */
export interface RunWorkerArgs {
  readonly runId: string;
  /** The `InstanceRef` to open the instance from (home, config file, config). */
  readonly instanceRef: unknown;
  /** A module exporting `Instance` (a class with a static `fromRef`) or `openInstance(ref)`. */
  readonly instanceModule: string;
  /** Resume a run whose previous worker died: skip steps that already succeeded, no second RUN_START. */
  readonly resume: boolean;
  /** A spare worker: open the instance, then wait for the run over IPC (`runId` is empty until then). */
  readonly spare?: boolean;
  /**
   * How often (ms) the worker reads its run's status while it executes; a run found CANCELING (or CANCELED) is
   * stopped as on SIGTERM. This is how a terminate from a process that cannot signal the worker (another host)
   * reaches it. Default {@link DEFAULT_CANCEL_POLL_MS}; 0 turns the watch off.
   */
  readonly cancelPollMs?: number;
}

/** Default of {@link RunWorkerArgs.cancelPollMs}. */
export const DEFAULT_CANCEL_POLL_MS = 1000;

/** Run tag holding the run worker's process as JSON `{"host": …, "pid": …}` (like Dagster's `.dagster/grpc_info`). */
export const RUN_WORKER_TAG = '.inst/run_worker';

/** Where a run's worker runs. */
export interface RunWorkerLocation {
  readonly host: string;
  readonly pid: number;
}

/** The tag value for a worker on this host (Python `json.dumps` separators, as Dagster writes its grpc_info tag). */
export function runWorkerTagValue(pid: number, host: string = hostname()): string {
  return `{"host": ${JSON.stringify(host)}, "pid": ${pid}}`;
}

/** The worker a run's tags name, if any. */
export function runWorkerOf(tags: Readonly<Record<string, string>>): RunWorkerLocation | null {
  const value = tags[RUN_WORKER_TAG];
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as { host?: unknown; pid?: unknown };
    if (typeof parsed.host === 'string' && typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0) return { host: parsed.host, pid: parsed.pid };
  } catch {
    // A malformed tag names no worker.
  }
  return null;
}

/**
 * Whether a process of this host is alive: it exists and is not a zombie (a dead child its parent has not reaped
 * yet still answers signal 0).
 */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** Dagster's run worker messages. */
export const RunWorkerMessages = Object.freeze({
  started: (pid: number) => `Started process for run (pid: ${pid}).`,
  exited: (pid: number) => `Process for run exited (pid: ${pid}).`,
  resumeStarted: (pid: number) => `Started process for resuming job (pid: ${pid}).`,
  resumeExited: (pid: number) => `Process for job exited (pid: ${pid}).`,
  envVarsError: 'Error while loading environment variables.',
  jobLoadError: 'Could not load job definition.',
  frameworkError: 'An exception was thrown during execution that is likely a framework error, rather than an error in user code.',
  alreadyFinished: 'Ignoring a run worker that started after the run had already finished.',
});
