import type { ClientConfig } from 'pg';
import { ConfigError } from '@inst/errors';

/**
 * Where the database is, in the two forms Dagster's `dagster.yaml` accepts for Postgres
 * storage: `postgres_url`, or the `postgres_db` fields.
 */
export type PgConnection = { readonly url: string } | PgConnectionFields;

/** Dagster's `postgres_db` block, keys in camelCase. */
export interface PgConnectionFields {
  /** `username`. */
  readonly username: string;
  /** `password`; empty when missing. */
  readonly password?: string;
  /** `hostname`. */
  readonly hostname: string;
  /** `db_name`. */
  readonly dbName: string;
  /** Default 5432. */
  readonly port?: number | string;
  /** libpq URL parameters, e.g. `{ sslmode: 'require' }`. */
  readonly params?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The connection URL Dagster builds from `postgres_db` (`get_conn_string`):
 * `postgresql://user:password@host:port/db?params`, each part percent-encoded.
 */
export function pgUrlFromFields(fields: PgConnectionFields): string {
  const problems: string[] = [];
  if (!fields.username) problems.push('postgres_db.username: required');
  if (!fields.hostname) problems.push('postgres_db.hostname: required');
  if (!fields.dbName) problems.push('postgres_db.db_name: required');
  const port = fields.port ?? 5432;
  if (!/^\d+$/.test(String(port))) problems.push(`postgres_db.port: not a port number: ${String(port)}`);
  if (problems.length > 0) throw new ConfigError(problems);
  const auth = `${encodeURIComponent(fields.username)}:${encodeURIComponent(fields.password ?? '')}`;
  let url = `postgresql://${auth}@${fields.hostname}:${String(port)}/${encodeURIComponent(fields.dbName)}`;
  const params = Object.entries(fields.params ?? {});
  if (params.length > 0) url += `?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
  return url;
}

/**
 * A pg client config from a `postgres://` / `postgresql://` URL. SQLAlchemy-style schemes that
 * Dagster users write (`postgresql+psycopg2://`) are accepted: the `+driver` part is dropped.
 * pg itself parses the URL (libpq parameters such as `sslmode`, `host=/socket/dir`).
 */
export function pgConfigFromUrl(url: string): ClientConfig {
  const m = /^(postgres(?:ql)?)(?:\+[\w-]+)?:\/\//i.exec(url);
  if (!m) throw new ConfigError([`postgres_url: not a postgres:// or postgresql:// URL: ${redactUrl(url)}`]);
  return { connectionString: `postgresql://${url.slice(m[0].length)}` };
}

/** The pg client config for either form of {@link PgConnection}. */
export function pgConfigFrom(connection: PgConnection): ClientConfig {
  return 'url' in connection ? pgConfigFromUrl(connection.url) : pgConfigFromUrl(pgUrlFromFields(connection));
}

/** The URL with its password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([^:/]+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
