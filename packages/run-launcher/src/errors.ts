/**
 * Errors of this package that `@inst/errors` has no class for yet (a local helper, kept small).
 */
import { InstError, type InstErrorOptions } from '@inst/errors';

/** A launcher was asked to run a job it does not know (code `LAUNCH_ERROR`, ids `runId` and `jobName`). */
export class JobNotFoundError extends InstError {
  readonly jobName: string;
  readonly runId: string | undefined;
  constructor(jobName: string, runId?: string, options?: InstErrorOptions) {
    super(
      'LAUNCH_ERROR',
      `No job named ${JSON.stringify(jobName)} is registered with the launcher${runId ? ` (run ${runId})` : ''}`,
      { ...options, ids: { jobName, runId, ...options?.ids } },
    );
    this.jobName = jobName;
    this.runId = runId;
  }
}
