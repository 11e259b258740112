/**
 * Who runs which daemon when several hosts share one instance.
 *
 * - Postgres: one session-level advisory lock per daemon type, held on a connection of its own. A host runs a
 *   daemon's iterations only while it holds that daemon's lock; the others retry every few seconds. When a host
 *   dies its connection closes and Postgres releases its locks, so another host takes each daemon over within
 *   one retry interval (TCP keepalives bound the case of a machine that vanishes without closing its sockets).
 * - SQLite: storage on one machine's disk supports one host per instance home. A lock file in the home names the
 *   running host (pid, hostname); a second host is refused with a clear message, or waits with `wait: true`. A lock
 *   file left by a dead process is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { importDriver, InstError } from '@inst/errors';
import type pg from 'pg';
import type { Logger } from './logger';
import { sleep } from './sleep';

/** Decides which daemons this host may run. */
export interface DaemonLeases {
  /** A short description for logs. */
  readonly description: string;
  /** Called once before any daemon runs; throws when the host may not run at all. */
  start(signal: AbortSignal): Promise<void>;
  /** Whether this host owns the daemon now; takes it when it is free. */
  acquire(daemonType: string): Promise<boolean>;
  /** Gives up every daemon. Safe to call twice. */
  close(): Promise<void>;
}

/** Every daemon always belongs to this host (an ephemeral instance, or a test). */
export class ExclusiveLeases implements DaemonLeases {
  readonly description = 'exclusive (no other host shares this instance)';
  async start(): Promise<void> {}
  async acquire(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

/** Thrown when a second daemon host starts on a SQLite instance home. */
export class DaemonHostAlreadyRunningError extends InstError {
  constructor(message: string, lockFile: string, pid: number) {
    super('INVARIANT_VIOLATION', message, { ids: { lockFile, pid: String(pid) } });
    this.name = 'DaemonHostAlreadyRunningError';
  }
}

interface LockBody {
  pid: number;
  hostname: string;
  daemonId: string;
  startedAt: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file a SQLite home's daemon host holds. */
export const SQLITE_HOST_LOCK_FILE = 'daemon-host.lock';

/** One host per SQLite instance home, through a lock file in the home. */
export class SqliteHomeLeases implements DaemonLeases {
  readonly description: string;
  readonly lockFile: string;
  #held = false;

  constructor(
    home: string,
    private readonly options: { daemonId: string; wait?: boolean; pollSeconds?: number; log?: Logger },
  ) {
    this.lockFile = join(home, SQLITE_HOST_LOCK_FILE);
    this.description = `one host per SQLite home (lock file ${this.lockFile})`;
  }

  async start(signal: AbortSignal): Promise<void> {
    let warned = false;
    for (;;) {
      const holder = this.#tryTake();
      if (holder === null) return;
      const message =
        `Another daemon host (pid ${holder.pid} on ${holder.hostname}, started ${holder.startedAt}) is already running on this ` +
        `instance home; its lock file is ${this.lockFile}. SQLite storage supports one daemon host per instance home: stop the ` +
        'other host, or use Postgres storage to run several hosts.';
      if (!this.options.wait) throw new DaemonHostAlreadyRunningError(message, this.lockFile, holder.pid);
      if (!warned) this.options.log?.warn(`${message} Waiting for it to stop.`);
      warned = true;
      await sleep((this.options.pollSeconds ?? 2) * 1000, signal);
      if (signal.aborted) throw new DaemonHostAlreadyRunningError(message, this.lockFile, holder.pid);
    }
  }

  /** Takes the lock; returns the live holder when another process has it. */
  #tryTake(): LockBody | null {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        const body: LockBody = { pid: process.pid, hostname: hostname(), daemonId: this.options.daemonId, startedAt: new Date().toISOString() };
        writeSync(fd, JSON.stringify(body));
        closeSync(fd);
        this.#held = true;
        return null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: LockBody | null = null;
      try {
        holder = JSON.parse(readFileSync(this.lockFile, 'utf8')) as LockBody;
      } catch {
        holder = null; // being written, or garbage: treated as stale below after a retry
      }
      if (holder && (holder.hostname !== hostname() || processAlive(holder.pid))) return holder;
      this.options.log?.warn(`Taking over the lock file of a daemon host that is no longer running (${this.lockFile})`);
      try {
        unlinkSync(this.lockFile);
      } catch {
        // someone else removed it first
      }
    }
    return { pid: -1, hostname: hostname(), daemonId: '', startedAt: 'unknown' };
  }

  async acquire(): Promise<boolean> {
    return this.#held;
  }

  async close(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    try {
      const holder = JSON.parse(readFileSync(this.lockFile, 'utf8')) as LockBody;
      if (holder.pid === process.pid && holder.daemonId === this.options.daemonId) unlinkSync(this.lockFile);
    } catch {
      // already gone
    }
  }
}

/** The first key of inst's advisory locks ('INST' as a 32-bit integer); the second is `hashtext(daemon type)`. */
export const ADVISORY_LOCK_CLASS_ID = 0x494e5354;

/** One session-level Postgres advisory lock per daemon type, on a connection of the host's own. */
export class PostgresAdvisoryLeases implements DaemonLeases {
  readonly description: string;
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  readonly #held = new Set<string>();
  #closed = false;

  constructor(
    private readonly url: string,
    private readonly options: { log?: Logger; applicationName?: string } = {},
  ) {
    this.description = 'Postgres advisory locks, one per daemon type';
  }

  async start(): Promise<void> {
    await this.#connection();
  }

  #connection(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      // pg is an optional peer: loaded only when the host runs on Postgres.
      const { Client } = await importDriver(async () => (await import('pg')).default, ['pg'], 'Daemon leases on Postgres');
      const client = new Client({
        connectionString: this.url,
        application_name: this.options.applicationName ?? 'inst-daemon-host-leases',
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      const lost = (error?: Error) => {
        if (this.#client !== client) return;
        this.#client = null;
        if (this.#held.size > 0 && !this.#closed) {
          this.options.log?.error('Lost the connection that holds the daemon leases; the daemons stop until they are re-acquired', {
            error: error?.message,
            daemons: [...this.#held],
          });
        }
        this.#held.clear();
      };
      client.on('error', lost);
      client.on('end', () => lost());
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async acquire(daemonType: string): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#held.has(daemonType) && this.#client) return true;
    let client: pg.Client;
    try {
      client = await this.#connection();
    } catch (error) {
      this.options.log?.warn('Cannot reach Postgres to take a daemon lease', { daemonType, error: (error as Error).message });
      return false;
    }
    try {
      const result = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok', [ADVISORY_LOCK_CLASS_ID, daemonType]);
      if (result.rows[0]?.ok) {
        this.#held.add(daemonType);
        return true;
      }
      return false;
    } catch (error) {
      this.options.log?.warn('Taking a daemon lease failed', { daemonType, error: (error as Error).message });
      return false;
    }
  }

  /** The daemon types this host holds now. */
  get held(): readonly string[] {
    return [...this.#held];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#held.clear();
    const client = this.#client ?? (this.#connecting ? await this.#connecting.catch(() => null) : null);
    this.#client = null;
    // Closing the session releases every advisory lock it holds.
    await client?.end().catch(() => undefined);
  }
}
