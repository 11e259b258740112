import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InProcessRunLauncher } from '@inst/run-launcher';
import { defineJob } from '@inst/run-launcher';
import { AssetKey, DagsterEventType, DagsterRunStatus, RunsFilter, type DagsterRun, type EventLogEntry } from '@inst/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

/** A product that subclasses the instance, as products subclass DagsterInstance. */
class ProductInstance extends Instance {
  readonly calls: string[] = [];
  readonly handled: (string | null)[] = [];

  override get telemetryEnabled(): boolean {
    return true;
  }

  override get runRetriesMaxRetries(): number {
    return 3;
  }

  override async getRunById(runId: string): Promise<DagsterRun | undefined> {
    this.calls.push(`getRunById:${runId}`);
    return super.getRunById(runId);
  }

  override reportEngineEvent(...args: Parameters<Instance['reportEngineEvent']>): ReturnType<Instance['reportEngineEvent']> {
    this.calls.push(`reportEngineEvent:${args[0]}`);
    return super.reportEngineEvent(...args);
  }

  override async handleNewEvent(...args: Parameters<Instance['handleNewEvent']>): Promise<void> {
    this.handled.push((args[0] as EventLogEntry).dagsterEventType ?? null);
    return super.handleNewEvent(...args);
  }
}

describe('a subclass of Instance', () => {
  let home: string;
  let instance: ProductInstance;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-compat-'));
    // Retries on, with max_retries 0 in the file: only the subclass's override allows a retry.
    writeFileSync(join(home, 'dagster.yaml'), 'run_retries:\n  enabled: true\n  max_retries: 0\ntelemetry:\n  enabled: false\nrun_launcher:\n  module: dagster.core.launcher\n  class: SyncInMemoryRunLauncher\n');
    instance = await ProductInstance.fromConfig(home);
    (instance.runLauncher as InProcessRunLauncher).registerJob(defineJob('ok', [{ key: 'a', fn: () => 1 }]));
  });

  afterEach(async () => {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('is built by the static factories as the subclass', async () => {
    expect(instance).toBeInstanceOf(ProductInstance);
    const ephemeral = await ProductInstance.ephemeral();
    expect(ephemeral).toBeInstanceOf(ProductInstance);
    await ephemeral.dispose();
    await ephemeral.dispose(); // twice is fine
  });

  it('settings overrides are seen by the settings and other domains', () => {
    expect(instance.telemetryEnabled).toBe(true);
    expect((instance.infoDict().telemetry as { enabled: boolean }).enabled).toBe(true);
  });

  it('the events domain sees runRetriesMaxRetries: a failed run is tagged to retry', async () => {
    const run = await instance.createRun({ jobName: 'ok' });
    await instance.reportRunFailed(run, 'boom');
    expect((await instance.getRunById(run.runId))!.tags['dagster/will_retry']).toBe('true');
  });

  it('the runs domain reports through the overridden handleNewEvent', async () => {
    const run = await instance.createRun({ jobName: 'ok' });
    await instance.reportRunCanceling(run, 'stop');
    expect(instance.handled).toContain(DagsterEventType.RUN_CANCELING);
  });

  it('the run-launcher domain reads runs through getRunById and reports through reportEngineEvent', async () => {
    const run = await instance.createRun({ jobName: 'not-registered' });
    instance.calls.length = 0;
    await expect(instance.submitRun(run.runId)).rejects.toThrow();
    expect(instance.calls).toContain(`getRunById:${run.runId}`);
    expect(instance.calls.some((c) => c.startsWith('reportEngineEvent:'))).toBe(true);
    expect((await instance.getRunById(run.runId))!.status).toBe(DagsterRunStatus.FAILURE);
    expect(instance.handled).toContain(DagsterEventType.RUN_FAILURE);
  });

  it('accepts a status as a string and a selection as a plain array', async () => {
    const queued = await instance.createRun({ jobName: 'ok', status: 'NOT_STARTED', assetSelection: [new AssetKey(['a'])] });
    expect(queued.status).toBe(DagsterRunStatus.NOT_STARTED);
    expect([...queued.assetSelection!].map((k) => k.toString())).toEqual(['["a"]']);
    const found = await instance.getRuns(new RunsFilter({ statuses: ['NOT_STARTED'] }));
    expect(found.map((r) => r.runId)).toEqual([queued.runId]);
  });
});
