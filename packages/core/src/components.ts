import { NotSupportedError } from '@inst/errors';
import { DefaultRunCoordinator, InProcessRunLauncher, type RunCoordinator, type RunLauncher } from '@inst/run-launcher';
import type { InstanceConfig } from '@inst/settings';

/**
 * The run coordinator a config names. Dagster's built-in names map to inst's classes. Without a
 * `run_coordinator` or `run_queue` block, inst launches at once (DefaultRunCoordinator): Dagster would queue,
 * but inst has no queued coordinator daemon yet — an explicit QueuedRunCoordinator says so clearly.
 */
export function loadRunCoordinator(config: InstanceConfig): RunCoordinator {
  const named = config.run_coordinator?.class ?? (config.run_queue ? 'QueuedRunCoordinator' : 'DefaultRunCoordinator');
  switch (named) {
    case 'DefaultRunCoordinator':
      return new DefaultRunCoordinator();
    default:
      throw new NotSupportedError(`run_coordinator ${named} is not available in inst yet; use DefaultRunCoordinator`);
  }
}

/** The run launcher a config names; Dagster's DefaultRunLauncher and SyncInMemoryRunLauncher run in process here. */
export function loadRunLauncher(config: InstanceConfig): RunLauncher {
  const named = config.run_launcher?.class ?? 'DefaultRunLauncher';
  switch (named) {
    case 'DefaultRunLauncher':
    case 'SyncInMemoryRunLauncher':
    case 'InProcessRunLauncher':
      return new InProcessRunLauncher();
    default:
      throw new NotSupportedError(`run_launcher ${named} is not available in inst yet; use InProcessRunLauncher`);
  }
}
