/**
 * Resume bookkeeping for run monitoring (Dagster's `count_resume_run_attempts` and `run_will_resume`).
 */
import { DagsterEventType, DagsterRunStatus } from '@inst/types';
import type { RunLauncherInstanceOps } from './ops';

/** The message of the ENGINE_EVENT `resumeRun` emits; each one counts as a resume attempt. */
export const RESUME_RUN_LOG_MESSAGE = 'Launching a new run worker to resume run';

/** How many times the run has been resumed: its ENGINE_EVENTs whose message is {@link RESUME_RUN_LOG_MESSAGE}. */
export async function countResumeRunAttempts(ops: Pick<RunLauncherInstanceOps, 'allLogs'>, runId: string): Promise<number> {
  const events = await ops.allLogs(runId, DagsterEventType.ENGINE_EVENT);
  return events.filter((entry) => entry.message === RESUME_RUN_LOG_MESSAGE).length;
}

/**
 * Whether run monitoring will resume the run if its worker dies: monitoring is on, the launcher can resume runs,
 * the run is not being canceled (or canceled), and it has been resumed fewer times than
 * `run_monitoring.max_resume_run_attempts`.
 */
export async function runWillResume(ops: RunLauncherInstanceOps, runId: string): Promise<boolean> {
  if (!ops.runMonitoringEnabled) return false;
  // Dagster's instance refuses monitoring with resume attempts on a launcher that cannot resume; asking here
  // as well keeps the answer true to what the monitoring daemon can do.
  if (!ops.runLauncher.supportsResumeRun) return false;
  const run = await ops.getRunById(runId);
  // The daemon resumes only runs still in STARTED; treating a canceling run as resumable would keep the
  // termination signal from reaching its steps.
  if (run && (run.status === DagsterRunStatus.CANCELING || run.status === DagsterRunStatus.CANCELED)) return false;
  return (await ops.countResumeRunAttempts(runId)) < ops.runMonitoringMaxResumeRunAttempts;
}
