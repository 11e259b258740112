/**
 * Batched run creation for backfills. Creating and submitting runs one at a time costs several storage round trips
 * per run (Dagster: about a run a second per backfill); a 10,000-partition backfill should take seconds. A
 * {@link RunBatch} stands in for the instance's `createRun`: each run is built exactly as `createRun` builds it
 * (snapshots, op concurrency, planned asset events — `@inst/runs`' `createRun` over collecting ops), kept in memory,
 * and written by {@link RunBatch.flush}: the runs (with their tags) in one transaction, then their events in one
 * event-log batch. With the queued run coordinator the runs are written QUEUED with their `PIPELINE_ENQUEUED` event —
 * what `submitRun` writes for each.
 *
 * Used only when it cannot differ from the one-at-a-time path: the run storage has `addRuns`, the instance does
 * not override `createRun`, and the coordinator is Dagster's QueuedRunCoordinator (or runs are not submitted).
 */
import { Instance } from '@inst/core';
import * as events from '@inst/events';
import { QueuedRunCoordinator } from '@inst/run-launcher';
import * as runs from '@inst/runs';
import type { RunStorage } from '@inst/storage';
import { DagsterEvent, DagsterEventType, DagsterRunStatus, type DagsterRun, type EventLogEntry } from '@inst/types';

/** Event-log writes a flush runs at once (Postgres: one pooled connection each). */
const EVENT_WRITERS = 4;

/** A run storage that adds many runs in one transaction (`SqlRunStorage.addRuns` of `@inst/storage-sql`). */
interface BatchingRunStorage extends RunStorage {
  addRuns(dagsterRuns: readonly DagsterRun[]): Promise<DagsterRun[]>;
}

function batchingStorage(instance: Instance): BatchingRunStorage | null {
  const storage = instance.runStorage as Partial<BatchingRunStorage>;
  return typeof storage.addRuns === 'function' ? (storage as BatchingRunStorage) : null;
}

/** Runs collected for one write; see the module comment. */
export class RunBatch {
  readonly #instance: Instance;
  readonly #storage: BatchingRunStorage;
  readonly #enqueue: boolean;
  #runs: DagsterRun[] = [];
  #events: EventLogEntry[] = [];
  /** Snapshot ids known to be stored: asked of storage once, not once per run. */
  readonly #snapshots = new Set<string>();
  readonly #ops: runs.RunsInstanceOps;

  private constructor(instance: Instance, storage: BatchingRunStorage, enqueue: boolean) {
    this.#instance = instance;
    this.#storage = storage;
    this.#enqueue = enqueue;
    const known = this.#snapshots;
    const collecting = new Proxy(storage, {
      get: (target, prop) => {
        switch (prop) {
          case 'addRun':
            return async (run: DagsterRun) => {
              this.#runs.push(run);
              return run;
            };
          case 'hasJobSnapshot':
          case 'hasExecutionPlanSnapshot':
            return async (id: string) => {
              if (known.has(id)) return true;
              const found = await (target[prop] as (id: string) => Promise<boolean>).call(target, id);
              if (found) known.add(id);
              return found;
            };
          default: {
            const value = Reflect.get(target, prop, target) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          }
        }
      },
    });
    this.#ops = {
      runStorage: collecting,
      get eventLogStorage() {
        return instance.eventLogStorage;
      },
      getRunById: (runId) => instance.getRunById(runId),
      getRunRecordById: (runId) => instance.getRunRecordById(runId),
      hasRun: (runId) => instance.hasRun(runId),
      getExecutionPlanSnapshot: (id) => instance.getExecutionPlanSnapshot(id),
      allLogs: (runId, ofType) => instance.allLogs(runId, ofType),
      getBackfill: (id) => instance.getBackfill(id),
      // Planned events are kept for the batch write (wrapped in entries as the instance wraps them).
      reportDagsterEvent: (event, runId, logLevel, batchMetadata) =>
        events.reportDagsterEvent({ handleNewEvent: async (entry) => void this.#events.push(entry) }, event, runId, logLevel, batchMetadata),
    };
  }

  /**
   * A batch for `instance`, or null when batching could differ from creating and submitting each run (see the module
   * comment). `submit`: whether the runs are to be submitted to the coordinator.
   */
  static for(instance: Instance, submit: boolean): RunBatch | null {
    const storage = batchingStorage(instance);
    if (!storage) return null;
    if (instance.createRun !== Instance.prototype.createRun) return null;
    if (submit) {
      const coordinator = instance.runCoordinator;
      if (!(coordinator instanceof QueuedRunCoordinator) || coordinator.submitRun !== QueuedRunCoordinator.prototype.submitRun) return null;
    }
    return new RunBatch(instance, storage, submit);
  }

  /** Stands in for the instance where a run creator calls `instance.createRun`: the run is built, not written. */
  get creator(): Instance {
    const ops = this.#ops;
    return new Proxy(this.#instance, {
      get: (target, prop) => (prop === 'createRun' ? (options: runs.CreateRunOptions) => runs.createRun(ops, options) : Reflect.get(target, prop, target)),
    });
  }

  /** Runs built and not written yet. */
  get size(): number {
    return this.#runs.length;
  }

  /** Writes the runs built so far (and their events); returns them as stored. */
  async flush(): Promise<DagsterRun[]> {
    const built = this.#runs;
    const entries = this.#events;
    this.#runs = [];
    this.#events = [];
    if (built.length === 0) return [];
    const stored = this.#enqueue ? built.map((run) => (run.status === DagsterRunStatus.NOT_STARTED ? run.withStatus(DagsterRunStatus.QUEUED) : run)) : built;
    await this.#storage.addRuns(stored);
    if (this.#enqueue) {
      // QueuedRunCoordinator.submitRun's event, one per run that was NOT_STARTED.
      for (let i = 0; i < built.length; i++) {
        if (built[i]!.status !== DagsterRunStatus.NOT_STARTED) continue;
        const run = built[i]!;
        await events.reportDagsterEvent(
          { handleNewEvent: async (entry) => void entries.push(entry) },
          new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_ENQUEUED, jobName: run.jobName }),
          run.runId,
        );
      }
    }
    await this.#storeEvents(entries);
    return stored;
  }

  /**
   * Stores the events of the batch's runs. Run-sharded SQLite keeps each run's events in a file of its own: one
   * write per run (a write over hundreds of shard files at once is far slower). Elsewhere the runs are split into
   * groups written at once, each in its own transaction on its own pooled connection (events of different runs do
   * not depend on each other).
   */
  async #storeEvents(entries: readonly EventLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const storage = this.#instance.eventLogStorage;
    const byRun = new Map<string, EventLogEntry[]>();
    for (const entry of entries) {
      const list = byRun.get(entry.runId);
      if (list) list.push(entry);
      else byRun.set(entry.runId, [entry]);
    }
    const sharded = (storage as { connections?: { isRunSharded?: boolean } }).connections?.isRunSharded === true;
    if (sharded) {
      for (const group of byRun.values()) await storage.storeEventBatch(group);
      return;
    }
    const runGroups = [...byRun.values()];
    const per = Math.ceil(runGroups.length / EVENT_WRITERS);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < runGroups.length; i += per) writes.push(storage.storeEventBatch(runGroups.slice(i, i + per).flat()));
    const results = await Promise.allSettled(writes);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
