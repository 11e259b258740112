/**
 * Test code locations: objects with the CodeLocation members the daemons call, answering as a code server over a
 * Definitions does (run requests with run keys, tags, skip messages, cursors).
 */
import { randomUUID } from 'node:crypto';
import { Instance } from '@inst/core';
import { InstigatorState, InstigatorStatus, InstigatorType, ScheduleInstigatorData, SensorInstigatorData, SensorType } from '@inst/types';
import { silentLogger, type DaemonContext } from '../src/index';
import { remoteSchedules, remoteSensors, repositoryOriginOf } from '../src/locations';
import type { CodeLocationLike, CodeLocationSnapshotLike, ScheduleEvaluationLike, SensorEvaluationLike, WorkspaceLike } from '../src/workspace';

export interface FakeLocationSpec {
  name?: string;
  snapshot: CodeLocationSnapshotLike;
  schedule?: (name: string, ctx: { scheduledExecutionTime: number; timezone?: string }) => ScheduleEvaluationLike | Promise<ScheduleEvaluationLike>;
  sensor?: (name: string, ctx: Parameters<CodeLocationLike['evaluateSensor']>[1]) => SensorEvaluationLike | Promise<SensorEvaluationLike>;
  partitionKeys?: (jobName: string) => string[];
}

export function fakeLocation(spec: FakeLocationSpec): CodeLocationLike & { calls: { schedule: number; sensor: number } } {
  const calls = { schedule: 0, sensor: 0 };
  return {
    name: spec.name ?? 'test_location',
    calls,
    snapshot: async () => spec.snapshot,
    partitionKeys: async (jobName) => spec.partitionKeys?.(jobName) ?? [],
    evaluateSchedule: async (name, ctx) => {
      calls.schedule++;
      return spec.schedule ? spec.schedule(name, ctx) : { runRequests: [{}] };
    },
    evaluateSensor: async (name, ctx) => {
      calls.sensor++;
      return spec.sensor ? spec.sensor(name, ctx) : { runRequests: [] };
    },
  };
}

export function workspaceOf(...locations: CodeLocationLike[]): WorkspaceLike {
  return { locations };
}

export class Clock {
  constructor(public t: number) {}
  now = () => this.t;
  set(iso: string): void {
    this.t = Date.parse(iso) / 1000;
  }
}

export function contextFor(instance: Instance, workspace: WorkspaceLike | null, clock: Clock, signal: AbortSignal = new AbortController().signal): DaemonContext {
  return { instance, workspace, signal, now: clock.now, log: silentLogger, daemonId: randomUUID() };
}

/** Stores a RUNNING state for a schedule of the location, started at `startTimestamp`. */
export async function startScheduleAt(instance: Instance, location: CodeLocationLike, scheduleName: string, startTimestamp: number): Promise<void> {
  const snapshot = await location.snapshot();
  const loaded = { location, snapshot, repositoryOrigin: repositoryOriginOf(location, snapshot) };
  const schedule = remoteSchedules(loaded).find((s) => s.name === scheduleName)!;
  await instance.addInstigatorState(
    new InstigatorState({
      origin: schedule.origin,
      instigatorType: InstigatorType.SCHEDULE,
      status: InstigatorStatus.RUNNING,
      instigatorData: new ScheduleInstigatorData({ cronSchedule: schedule.cronSchedule, startTimestamp }),
    }),
  );
}

/** Stores a RUNNING state for a sensor of the location, started at `startTimestamp`. */
export async function startSensorAt(instance: Instance, location: CodeLocationLike, sensorName: string, startTimestamp: number): Promise<{ originId: string; selectorId: string }> {
  const snapshot = await location.snapshot();
  const loaded = { location, snapshot, repositoryOrigin: repositoryOriginOf(location, snapshot) };
  const sensor = remoteSensors(loaded).find((s) => s.name === sensorName)!;
  await instance.addInstigatorState(
    new InstigatorState({
      origin: sensor.origin,
      instigatorType: InstigatorType.SENSOR,
      status: InstigatorStatus.RUNNING,
      instigatorData: new SensorInstigatorData({
        minInterval: sensor.minIntervalSeconds ?? 30,
        lastSensorStartTimestamp: startTimestamp,
        sensorType: (sensor.sensorType as SensorType | null) ?? SensorType.STANDARD,
      }),
    }),
  );
  return { originId: sensor.origin.getId(), selectorId: sensor.selectorId };
}

/** A temp persistent instance that launches nothing (queued runs stay QUEUED). */
export async function tempInstance(overrides: Record<string, unknown> = {}): Promise<Instance> {
  return Instance.localTemp(undefined, overrides);
}

/** A persistent instance on a scratch Postgres database (dropped by the returned dispose). */
export async function postgresInstance(): Promise<{ instance: Instance; dispose: () => Promise<void> }> {
  const { createScratchDatabase } = await import('@inst/storage-postgres/testing');
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const scratch = await createScratchDatabase('inst_daemon_host');
  const home = mkdtempSync(join(tmpdir(), 'inst-daemon-host-pg-'));
  writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`);
  const instance = await Instance.fromConfig(home);
  return {
    instance,
    dispose: async () => {
      await instance.dispose();
      await scratch.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
