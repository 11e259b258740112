/**
 * The run worker (Dagster's `dagster api execute_run` / `resume_run`): one OS process per run. It opens the
 * instance from its ref, records its pid and host on the run, loads the run's job from the code location the
 * run records, and executes it with `@inst/execution`'s `executeRun`. SIGTERM cancels the run (the executor ends
 * it CANCELED); the launcher's SIGKILL after a grace period is the fallback.
 */
import { hostname } from 'node:os';
import { executeRun, type ExecutionInstanceOps } from '@inst/execution';
import { DagsterRunStatus, EngineEventData, SerializableErrorInfo, type DagsterRun } from '@inst/types';
import { loadJob } from './definitions-api';
import { injectEnvVars } from './env-file';
import { isDefinitions } from './handlers';
import { importDefinitions } from './module-loader';
import { useTypeScriptLoader } from './node-process';
import { DEFAULT_CANCEL_POLL_MS, RUN_WORKER_TAG, RunWorkerMessages, runWorkerTagValue, type RunWorkerArgs } from './run-worker';
import { targetOfRun } from './target';

/** What the worker uses of the instance it opens (`@inst/core`'s Instance). */
interface WorkerInstance extends ExecutionInstanceOps {
  reportEngineEvent(message: string, run?: DagsterRun | null, data?: EngineEventData | null): Promise<unknown>;
  reportRunFailed(run: DagsterRun, message?: string | null): Promise<unknown>;
  addRunTags(runId: string, tags: Record<string, string>): Promise<unknown>;
  dispose(): Promise<void>;
}

let args = JSON.parse(process.argv[2] ?? '{}') as RunWorkerArgs;
const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    interrupts++;
    controller.abort();
    if (interrupts > 2) process.exit(1);
  });
}

async function openInstance(): Promise<WorkerInstance> {
  // A custom instance class written in TypeScript needs the loader before it is imported.
  if (/\.(c|m)?tsx?$/.test(args.instanceModule)) await useTypeScriptLoader();
  const module = (await import(args.instanceModule)) as {
    openInstance?: (ref: unknown) => Promise<WorkerInstance>;
    Instance?: { fromRef(ref: unknown): Promise<WorkerInstance> };
  };
  if (module.openInstance) return module.openInstance(args.instanceRef);
  if (module.Instance) return module.Instance.fromRef(args.instanceRef);
  throw new Error(`${args.instanceModule} exports neither openInstance nor Instance`);
}

/**
 * A spare worker (started ahead of time by the launcher, with the instance already open) waits here for the run
 * it is given over IPC, confirms, and leaves the IPC channel: from then on it is the run's own process. Null when
 * the launcher goes away (or stops the spare) first.
 */
function waitForAssignment(): Promise<{ runId: string; resume: boolean } | null> {
  return new Promise((resolve) => {
    const stop = (): void => resolve(null);
    process.once('disconnect', stop);
    controller.signal.addEventListener('abort', stop, { once: true });
    process.once('message', (message: { kind?: string; runId?: string; resume?: boolean }) => {
      if (message?.kind !== 'run' || typeof message.runId !== 'string') return stop();
      process.off('disconnect', stop);
      const assignment = { runId: message.runId, resume: message.resume === true };
      process.send?.({ kind: 'accepted', pid: process.pid }, undefined, {}, () => {
        process.disconnect();
        resolve(assignment);
      });
    });
    process.send?.({ kind: 'spare-ready', pid: process.pid });
  });
}

/**
 * Reads the run's status every `pollMs` while it executes and stops the run (as SIGTERM does) once someone has
 * asked for it to be canceled — RUN_CANCELING written by a terminate from any process or host, or the run
 * already marked CANCELED. Returns the function that stops the watch.
 */
function watchForCancel(instance: WorkerInstance, runId: string, pollMs: number): () => void {
  if (!(pollMs > 0)) return () => {};
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const look = async (): Promise<void> => {
    try {
      const status = (await instance.getRunById(runId))?.status;
      if (status === DagsterRunStatus.CANCELING || status === DagsterRunStatus.CANCELED) {
        controller.abort();
        return;
      }
    } catch {
      // A failed read (storage briefly unavailable) is tried again on the next round.
    }
    if (!stopped) timer = setTimeout(() => void look(), pollMs);
  };
  timer = setTimeout(() => void look(), pollMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function main(): Promise<number> {
  const instance = await openInstance();
  if (args.spare) {
    // Ready means ready for user code too: the TypeScript loader is registered before the wait, not after.
    await useTypeScriptLoader();
    const assignment = await waitForAssignment();
    if (!assignment) {
      await instance.dispose();
      return 0;
    }
    args = { ...args, ...assignment, spare: false };
  }
  try {
    const run = await instance.getRunById(args.runId);
    if (!run) {
      process.stderr.write(`Run worker could not load run ${args.runId}\n`);
      return 1;
    }
    const pid = process.pid;
    await instance.addRunTags(run.runId, { [RUN_WORKER_TAG]: runWorkerTagValue(pid, hostname()) });
    const pidData = new EngineEventData({ metadata: { pid: String(pid) } });
    await instance.reportEngineEvent(args.resume ? RunWorkerMessages.resumeStarted(pid) : RunWorkerMessages.started(pid), run, pidData);
    try {
      if (run.isFinished) {
        await instance.reportEngineEvent(RunWorkerMessages.alreadyFinished, run);
        return 0;
      }
      const target = targetOfRun(run);
      try {
        process.chdir(target.workingDirectory);
        injectEnvVars(target.workingDirectory);
      } catch (error) {
        await instance.reportEngineEvent(RunWorkerMessages.envVarsError, run, EngineEventData.engineError(SerializableErrorInfo.fromError(error)));
        await instance.reportRunFailed(run);
        return 1;
      }
      let loaded: ReturnType<typeof loadJob>;
      try {
        await useTypeScriptLoader();
        const defs = await importDefinitions(target, isDefinitions);
        loaded = loadJob(defs, run);
      } catch (error) {
        await instance.reportEngineEvent(RunWorkerMessages.jobLoadError, run, EngineEventData.engineError(SerializableErrorInfo.fromError(error)));
        await instance.reportRunFailed(run);
        return 1;
      }
      const current = (await instance.getRunById(run.runId)) ?? run;
      const resume = args.resume && current.status === DagsterRunStatus.STARTED;
      const stopWatching = watchForCancel(instance, run.runId, args.cancelPollMs ?? DEFAULT_CANCEL_POLL_MS);
      try {
        const result = await executeRun(instance, current, loaded.job, { signal: controller.signal, resume, ...(loaded.ioManager ? { ioManager: loaded.ioManager } : {}) });
        return result.status === DagsterRunStatus.FAILURE ? 1 : 0;
      } finally {
        stopWatching();
      }
    } catch (error) {
      const latest = (await instance.getRunById(run.runId)) ?? run;
      await instance.reportEngineEvent(RunWorkerMessages.frameworkError, latest, EngineEventData.engineError(SerializableErrorInfo.fromError(error)));
      if (!latest.isFinished) await instance.reportRunFailed(latest);
      return 1;
    } finally {
      await instance.reportEngineEvent(args.resume ? RunWorkerMessages.resumeExited(pid) : RunWorkerMessages.exited(pid), run, pidData);
    }
  } finally {
    await instance.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Run worker for ${args.runId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
