/**
 * One Postgres connection of the queue's own (the lock's session, the claimer's transaction), opened on first use
 * and opened again after it was lost: a lost session has lost its locks and its transaction with it.
 */
import type pg from 'pg';
import { loadPg } from './drivers';

export class DedicatedPgConnection {
  readonly #url: string;
  readonly #applicationName: string;
  readonly #setup: string | undefined;
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;

  /** `setup`: SQL run once on each new session. */
  constructor(url: string, applicationName: string, setup?: string) {
    this.#url = url;
    this.#applicationName = applicationName;
    this.#setup = setup;
  }

  /** The open connection, connecting if there is none. */
  async get(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    this.#connecting ??= (async () => {
      const { Client } = await loadPg();
      const client = new Client({ connectionString: this.#url, application_name: this.#applicationName });
      const forget = (): void => {
        if (this.#client === client) this.#client = undefined;
      };
      client.on('error', forget);
      client.on('end', forget);
      await client.connect();
      if (this.#setup) await client.query(this.#setup);
      this.#client = client;
      return client;
    })().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  /** Closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
