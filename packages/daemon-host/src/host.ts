/**
 * The daemon host (Dagster's `DagsterDaemonController` + `DagsterDaemon.run_daemon_loop`): runs every daemon the
 * instance requires, each in a loop of its own, writes their heartbeats in Dagster's format, shares the work with
 * other hosts through {@link DaemonLeases}, and stops on an AbortSignal or SIGTERM/SIGINT.
 *
 * Isolation: each daemon is an independent async loop. An iteration that throws is recorded in that daemon's
 * heartbeat errors and logged; the loop goes on at its interval. A slow iteration delays only its own daemon.
 * (Daemons share one JavaScript thread: an iteration that blocks the CPU for long would still delay the others;
 * every built-in daemon awaits its storage calls.)
 */
import { randomUUID } from 'node:crypto';
import type { Instance } from '@inst/core';
import { DaemonHeartbeatTracker, DEFAULT_HEARTBEAT_INTERVAL_SECONDS } from '@inst/daemon';
import { InvalidArgumentError } from '@inst/errors';
import { storageConfigOf } from '@inst/settings';
import { ExclusiveLeases, PostgresAdvisoryLeases, SqliteHomeLeases, type DaemonLeases } from './leases';
import { childLogger, createJsonLogger, type Logger } from './logger';
import { sleep } from './sleep';
import type { WorkspaceLike } from './workspace';
import { isReloadable, WORKSPACE_RELOAD_INTERVAL_SECONDS, type ReloadableWorkspace } from './workspace-reload';

/** What a daemon's iteration receives. */
export interface DaemonContext {
  readonly instance: Instance;
  readonly workspace: WorkspaceLike | null;
  /** Aborted when the host stops: finish or abandon the iteration at a safe point. */
  readonly signal: AbortSignal;
  /** The host's clock, epoch seconds. */
  now(): number;
  readonly log: Logger;
  /** This host's id (the `daemon_id` of its heartbeats). */
  readonly daemonId: string;
}

/** One daemon: its Dagster type, how often it runs, and one iteration. */
export interface DaemonDefinition {
  /** Dagster's type name: SCHEDULER, SENSOR, QUEUED_RUN_COORDINATOR, BACKFILL, MONITORING, EVENT_LOG_CONSUMER, … */
  readonly daemonType: string;
  /** Seconds from the start of one iteration to the start of the next (a longer iteration means no wait). */
  readonly intervalSeconds: number;
  /**
   * Optional: when the next iteration should start, given when this one started (the scheduler runs at the start of
   * each wall-clock minute). Overrides `intervalSeconds`.
   */
  nextIterationTime?(iterationStart: number): number;
  runIteration(ctx: DaemonContext): Promise<void>;
  /**
   * Optional: wait up to `seconds` for a reason to run early (the run queue wakes on an enqueue); resolve true to
   * run the next iteration now. Replaces the plain sleep between iterations.
   */
  waitForWork?(ctx: DaemonContext, seconds: number): Promise<boolean>;
  /** Optional: release what the daemon holds (connections, watchers) when the host stops. */
  close?(): Promise<void>;
}

/** Options of {@link runDaemonHost}. */
export interface DaemonHostOptions {
  readonly instance: Instance;
  readonly workspace?: WorkspaceLike | null;
  /** The daemons to run; default {@link defaultDaemonsFor} the instance's required daemon types. */
  readonly daemons?: readonly DaemonDefinition[];
  /** Clock, epoch seconds (default `Date.now() / 1000`). */
  readonly now?: () => number;
  /** Stops the host. */
  readonly signal?: AbortSignal;
  /** Stop on SIGTERM and SIGINT (default true). */
  readonly handleProcessSignals?: boolean;
  /** Who runs which daemon; default: advisory locks on Postgres, a home lock file on SQLite. */
  readonly leases?: DaemonLeases;
  /** On SQLite, wait for another host on the same home to stop instead of refusing to start (default false). */
  readonly waitForOtherHost?: boolean;
  /** Seconds between two heartbeats of one daemon (Dagster: 30). */
  readonly heartbeatIntervalSeconds?: number;
  /** Seconds between two attempts to take over a daemon another host runs (default 5): the failover bound. */
  readonly leaseRetrySeconds?: number;
  /** Seconds between two reloads of a reloadable workspace (`reloadableWorkspace`; Dagster: 60). */
  readonly workspaceReloadIntervalSeconds?: number;
  /** The heartbeats' daemon id (default a new uuid4, as Dagster's controller makes). */
  readonly daemonId?: string;
  readonly log?: Logger;
  /** Called when the host has started every daemon loop (tests and CLIs print "ready"). */
  readonly onReady?: (info: { daemonId: string; daemonTypes: readonly string[]; leases: string }) => void;
}

/** The daemons {@link runDaemonHost} runs when none are given; set by `./daemons` to avoid an import cycle. */
let defaultDaemons: ((instance: Instance) => DaemonDefinition[]) | null = null;

/** @internal Registers the built-in daemons. */
export function registerDefaultDaemons(factory: (instance: Instance) => DaemonDefinition[]): void {
  defaultDaemons = factory;
}

/** The leases a host uses by default for an instance: Postgres advisory locks, a SQLite home lock, or none. */
export function defaultLeasesFor(instance: Instance, options: { daemonId: string; wait?: boolean; log?: Logger }): DaemonLeases {
  if (instance.isEphemeral) return new ExclusiveLeases();
  const storage = storageConfigOf(instance.settings.config);
  if (storage.kind === 'postgres') return new PostgresAdvisoryLeases(storage.url, { log: options.log });
  return new SqliteHomeLeases(instance.rootDirectory, { daemonId: options.daemonId, wait: options.wait, log: options.log });
}

/**
 * Runs the daemons until `signal` aborts (or SIGTERM/SIGINT). Resolves once every daemon loop has finished its
 * current iteration and the leases are released. Rejects, before starting anything, when no daemon is configured
 * (an ephemeral instance, as in Dagster) or another host owns a SQLite home.
 */
export async function runDaemonHost(options: DaemonHostOptions): Promise<void> {
  const { instance } = options;
  const now = options.now ?? (() => Date.now() / 1000);
  const daemonId = options.daemonId ?? randomUUID();
  const log = options.log ?? createJsonLogger();
  const daemons = options.daemons ?? (defaultDaemons ? defaultDaemons(instance) : []);
  if (daemons.length === 0) {
    throw new InvalidArgumentError('No daemons configured on the instance (an ephemeral instance needs none): nothing to run');
  }
  const types = new Set<string>();
  for (const daemon of daemons) {
    if (types.has(daemon.daemonType)) throw new InvalidArgumentError(`Daemon type ${daemon.daemonType} is configured twice`);
    types.add(daemon.daemonType);
    if (!(daemon.intervalSeconds > 0)) throw new InvalidArgumentError(`Daemon ${daemon.daemonType} needs a positive intervalSeconds`);
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  if (options.signal?.aborted) return;
  options.signal?.addEventListener('abort', stop, { once: true });
  const handleSignals = options.handleProcessSignals ?? true;
  let signalCount = 0;
  const onProcessSignal = (name: NodeJS.Signals) => {
    signalCount++;
    if (signalCount > 1) {
      log.warn(`Second ${name}: exiting without waiting for the running iterations`);
      process.exit(130);
    }
    log.info(`Received ${name}, stopping the daemons after their current iterations`);
    stop();
  };
  if (handleSignals) {
    process.on('SIGTERM', onProcessSignal);
    process.on('SIGINT', onProcessSignal);
  }

  const leases = options.leases ?? defaultLeasesFor(instance, { daemonId, wait: options.waitForOtherHost, log });
  try {
    await leases.start(controller.signal);
    if (controller.signal.aborted) return;
    log.info(`Instance is configured with the following daemons: ${JSON.stringify([...types].sort())}`, { daemonId, leases: leases.description });
    const loops = daemons.map((daemon) =>
      runDaemonLoop(daemon, {
        instance,
        workspace: options.workspace ?? null,
        signal: controller.signal,
        now,
        daemonId,
        log: childLogger(log, { daemon: daemon.daemonType }),
        leases,
        heartbeatIntervalSeconds: options.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
        leaseRetrySeconds: options.leaseRetrySeconds ?? 5,
      }),
    );
    const workspace = options.workspace;
    if (isReloadable(workspace)) {
      loops.push(reloadLoop(workspace, options.workspaceReloadIntervalSeconds ?? WORKSPACE_RELOAD_INTERVAL_SECONDS, controller.signal, log));
    }
    options.onReady?.({ daemonId, daemonTypes: [...types], leases: leases.description });
    await Promise.all(loops);
    log.info('Daemon host stopped');
  } finally {
    options.signal?.removeEventListener('abort', stop);
    if (handleSignals) {
      process.off('SIGTERM', onProcessSignal);
      process.off('SIGINT', onProcessSignal);
    }
    await leases.close();
  }
}

/** Reloads the workspace every `intervalSeconds`; a location that fails keeps its last good version. */
async function reloadLoop(workspace: ReloadableWorkspace, intervalSeconds: number, signal: AbortSignal, log: Logger): Promise<void> {
  while (!signal.aborted) {
    await sleep(intervalSeconds * 1000, signal);
    if (signal.aborted) break;
    try {
      const result = await workspace.reload();
      for (const { name, error } of result.failed) {
        log.error(`Could not reload code location ${name}; its last good version stays in use`, { error: error instanceof Error ? error.message : String(error) });
      }
      if (result.removed.length > 0) log.info(`Code locations no longer in the workspace: ${result.removed.join(', ')}`);
    } catch (error) {
      log.error('Reloading the workspace failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

interface LoopContext {
  instance: Instance;
  workspace: WorkspaceLike | null;
  signal: AbortSignal;
  now: () => number;
  daemonId: string;
  log: Logger;
  leases: DaemonLeases;
  heartbeatIntervalSeconds: number;
  leaseRetrySeconds: number;
}

/** The longest real sleep between two checks of a loop (heartbeats and leases are checked at least this often). */
const MAX_STEP_SECONDS = 0.5;

async function runDaemonLoop(daemon: DaemonDefinition, loop: LoopContext): Promise<void> {
  const { signal, now, log } = loop;
  const tracker = new DaemonHeartbeatTracker({
    daemonType: daemon.daemonType,
    daemonId: loop.daemonId,
    heartbeatIntervalSeconds: loop.heartbeatIntervalSeconds,
  });
  const ctx: DaemonContext = { instance: loop.instance, workspace: loop.workspace, signal, now, log, daemonId: loop.daemonId };
  let owned = false;
  let nextLeaseAttempt = 0;
  let nextIteration = now();
  let warnedOther = false;

  while (!signal.aborted) {
    // Ownership: a daemon runs (and heartbeats) only on the host that holds its lease.
    if (!owned || now() >= nextLeaseAttempt) {
      const wasOwned = owned;
      owned = await loop.leases.acquire(daemon.daemonType);
      nextLeaseAttempt = now() + loop.leaseRetrySeconds;
      if (owned && !wasOwned) {
        log.info(`Running ${daemon.daemonType}`, { daemonId: loop.daemonId });
        nextIteration = now();
      } else if (!owned && wasOwned) log.warn(`Lost the lease of ${daemon.daemonType}; another host may run it now`);
    }
    if (!owned) {
      await sleep(Math.min(loop.leaseRetrySeconds, MAX_STEP_SECONDS * 4) * 1000, signal);
      continue;
    }

    await heartbeat(tracker, loop, () => {
      if (!warnedOther) log.warn(`Another ${daemon.daemonType} daemon is still sending heartbeats. You likely have multiple daemon processes running at once without leases.`);
      warnedOther = true;
    });

    if (now() >= nextIteration) {
      const started = now();
      try {
        await daemon.runIteration(ctx);
      } catch (error) {
        if (!signal.aborted) {
          tracker.recordError(error, now());
          log.error('Caught error:', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        }
      }
      nextIteration = daemon.nextIterationTime ? daemon.nextIterationTime(started) : started + daemon.intervalSeconds;
      // Heartbeat right after a long iteration, as Dagster does before resuming its generator.
      if (!signal.aborted) await heartbeat(tracker, loop);
    }
    const wait = Math.max(0, Math.min(nextIteration - now(), MAX_STEP_SECONDS));
    if (daemon.waitForWork && wait > 0) {
      let woken = false;
      try {
        woken = await daemon.waitForWork(ctx, wait);
      } catch (error) {
        log.warn('Waiting for work failed; polling instead', { error: (error as Error).message });
        await sleep(wait * 1000, signal);
      }
      if (woken) nextIteration = now();
    } else await sleep(wait * 1000, signal);
  }
  try {
    await daemon.close?.();
  } catch (error) {
    log.warn(`Closing ${daemon.daemonType} failed`, { error: (error as Error).message });
  }
}

async function heartbeat(tracker: DaemonHeartbeatTracker, loop: LoopContext, onOther?: () => void): Promise<void> {
  try {
    const check = await tracker.checkAddHeartbeat(loop.instance, loop.now());
    if (check.otherDaemonId) onOther?.();
  } catch (error) {
    loop.log.error('Failed to add heartbeat', { error: (error as Error).message });
  }
}
