/**
 * Dagster's `DefaultRunCoordinator`: launches each submitted run at once.
 */
import { InvariantViolationError } from '@inst/errors';
import { DagsterRunStatus, type DagsterRun } from '@inst/types';
import type { RunCoordinator, RunCoordinatorInstance, SubmitRunContext } from './contracts';
import { InstanceRef } from './instance-ref';

/** Launches each submitted run immediately through the instance's `launchRun`; cancels through the launcher. */
export class DefaultRunCoordinator implements RunCoordinator {
  readonly #instance: InstanceRef<RunCoordinatorInstance>;

  constructor(options: { instance?: RunCoordinatorInstance } = {}) {
    this.#instance = new InstanceRef('DefaultRunCoordinator', options.instance);
  }

  /** Called by the instance that takes this coordinator (once). */
  registerInstance(instance: RunCoordinatorInstance): void {
    this.#instance.register(instance);
  }

  /** Launches the run (which must be NOT_STARTED) and returns it as stored afterwards. */
  async submitRun(context: SubmitRunContext): Promise<DagsterRun> {
    const { runId, status } = context.dagsterRun;
    if (status !== DagsterRunStatus.NOT_STARTED) {
      throw new InvariantViolationError(`Run ${runId} is in status ${status}; the coordinator only submits NOT_STARTED runs`, { ids: { runId } });
    }
    const instance = this.#instance.get();
    // Through the instance's public launchRun, so a subclass that overrides it is honoured.
    await instance.launchRun(runId, context.workspace);
    const run = await instance.getRunById(runId);
    if (!run) throw new InvariantViolationError(`Failed to reload run ${runId}`, { ids: { runId } });
    return run;
  }

  /** Terminates the run through the instance's launcher. */
  async cancelRun(runId: string): Promise<boolean> {
    return this.#instance.get().runLauncher.terminate(runId);
  }

  /** Nothing to free. */
  dispose(): void {}
}
