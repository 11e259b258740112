/**
 * A launcher that starts nothing: it records which runs it was asked to launch (in memory, and optionally as an
 * ENGINE_EVENT on the run naming the process that launched it). For benchmarks of the run queue and for tests that
 * check the queue itself; configurable by `run_launcher: {module: '@inst/run-launcher', class: NoOpRunLauncher,
 * config: {record_launches: true}}`. Runs it "launches" stay in STARTING until something else moves them.
 */
import { hostname } from 'node:os';
import { EngineEventData } from '@inst/types';
import type { LaunchRunContext, ResumeRunContext, RunLauncher, RunWorkerInstance } from './contracts';
import { InstanceRef } from './instance-ref';

/** The message of the ENGINE_EVENT a recording {@link NoOpRunLauncher} writes for each launch. */
export const NO_OP_LAUNCH_MESSAGE = 'Launched run (no-op launcher)';

/** Options of {@link NoOpRunLauncher}. */
export interface NoOpRunLauncherOptions {
  /** Write an ENGINE_EVENT for each launch, with the launching process's pid and host as metadata. Default false. */
  readonly recordLaunches?: boolean;
  readonly instance?: RunWorkerInstance;
}

/** Records launches and does nothing else. */
export class NoOpRunLauncher implements RunLauncher {
  readonly supportsResumeRun = false;
  readonly supportsCheckRunWorkerHealth = false;
  readonly recordLaunches: boolean;
  /** Run ids launched through this object, in launch order. */
  readonly launchedRunIds: string[] = [];
  readonly #instance: InstanceRef<RunWorkerInstance>;

  constructor(options: NoOpRunLauncherOptions = {}) {
    this.recordLaunches = options.recordLaunches ?? false;
    this.#instance = new InstanceRef('NoOpRunLauncher', options.instance);
  }

  registerInstance(instance: RunWorkerInstance): void {
    this.#instance.register(instance);
  }

  async launchRun(context: LaunchRunContext): Promise<void> {
    this.launchedRunIds.push(context.dagsterRun.runId);
    if (this.recordLaunches) {
      const data = new EngineEventData({ metadata: { pid: String(process.pid), host: hostname() } });
      await this.#instance.get().reportEngineEvent(NO_OP_LAUNCH_MESSAGE, context.dagsterRun, data);
    }
  }

  /** Nothing runs, so there is nothing to stop. */
  async terminate(_runId: string): Promise<boolean> {
    return false;
  }

  async resumeRun(_context: ResumeRunContext): Promise<void> {
    throw new Error('NoOpRunLauncher does not support resuming runs; set max_resume_run_attempts to 0');
  }

  /** The runs launched here (for tests). */
  launched(): readonly string[] {
    return this.launchedRunIds;
  }

  dispose(): void {}
}

