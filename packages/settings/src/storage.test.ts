import { describe, expect, it } from 'vitest';
import { InstanceSettings, parseInstanceConfigYaml, postgresUrlFromConfig, storageConfigOf } from './index';

const storageOf = (yaml: string, env: Record<string, string> = {}) =>
  new InstanceSettings(parseInstanceConfigYaml(yaml, 'dagster.yaml', env)).storageConfig;

describe('storageConfig', () => {
  it('reads sqlite', () => {
    expect(storageOf('storage: { sqlite: { base_dir: /var/dagster } }')).toEqual({ kind: 'sqlite', baseDir: '/var/dagster' });
  });

  it('reads the sqlite rebuild options (inst only) and refuses a non-boolean', () => {
    expect(storageOf('storage: { sqlite: { base_dir: /var/dagster, rebuild_missing_index: true, allow_missing_shards: yes } }')).toEqual({
      kind: 'sqlite',
      baseDir: '/var/dagster',
      rebuildMissingIndex: true,
      allowMissingShards: true,
    });
    expect(() => storageOf('storage: { sqlite: { base_dir: /var/dagster, rebuild_missing_index: sometimes } }')).toThrow(/storage\.sqlite\.rebuild_missing_index/);
  });

  it('builds the postgres url from postgres_db, escaping credentials', () => {
    expect(
      storageOf(`
storage:
  postgres:
    postgres_db:
      username: { env: PG_USER }
      password: "p@ss/w:rd (1)!"
      hostname: db.internal
      db_name: dagster
      port: 5433
      params: { sslmode: require, application_name: my app }
    should_autocreate_tables: false
    pool_size: 4
`, { PG_USER: 'dag ster' }),
    ).toEqual({
      kind: 'postgres',
      url: 'postgresql://dag%20ster:p%40ss%2Fw%3Ard%20%281%29%21@db.internal:5433/dagster?sslmode=require&application_name=my%20app',
      poolSize: 4,
      shouldAutocreateTables: false,
    });
  });

  it("applies postgres_db's defaults: port 5432, scheme postgresql, empty password", () => {
    expect(postgresUrlFromConfig({ postgres_db: { username: 'u', hostname: 'h', db_name: 'd' } })).toBe(
      'postgresql://u:@h:5432/d',
    );
    expect(
      postgresUrlFromConfig({ postgres_db: { username: 'u', password: 'p', hostname: 'h', db_name: 'd', scheme: 'postgres', params: { ssl: true } } }),
    ).toBe('postgres://u:p@h:5432/d?ssl=True');
  });

  it('reads mysql and custom storage', () => {
    expect(
      storageOf('storage: { mysql: { mysql_db: { username: root, password: "a@b", hostname: h, db_name: d } } }'),
    ).toEqual({ kind: 'mysql', url: 'mysql://root:a%40b@h:3306/d' });
    expect(storageOf('storage: { custom: { module: my_storage, class: MyStorage, config: { x: 1 } } }')).toEqual({
      kind: 'custom',
      storage: { module: 'my_storage', class: 'MyStorage', config: { x: 1 } },
    });
  });

  it("reads the Helm chart's per-storage Postgres form as one Postgres storage", () => {
    const pg = (module: string, cls: string) => `
  module: dagster_postgres.${module}
  class: ${cls}
  config:
    postgres_db:
      username: test
      password: { env: CORR_PG_PASSWORD }
      hostname: db.local
      db_name: dagster
      port: 5432
    should_autocreate_tables: false`;
    const yaml = `run_storage:${pg('run_storage', 'PostgresRunStorage')}
event_log_storage:${pg('event_log', 'PostgresEventLogStorage')}
schedule_storage:${pg('schedule_storage', 'PostgresScheduleStorage')}
`;
    expect(storageConfigOf(parseInstanceConfigYaml(yaml, 'dagster.yaml', { CORR_PG_PASSWORD: 's/cret' }))).toEqual({
      kind: 'postgres',
      url: 'postgresql://test:s%2Fcret@db.local:5432/dagster',
      shouldAutocreateTables: false,
    });
  });

  /** A per-storage block naming a dagster_postgres class. */
  const pgBlock = (key: string, module: string, cls: string, url = 'postgresql://x') =>
    `${key}:\n  module: dagster_postgres.${module}\n  class: ${cls}\n  config: { postgres_url: ${url} }\n`;
  const RUNS = pgBlock('run_storage', 'run_storage', 'PostgresRunStorage');

  it('a partial per-storage Postgres form keeps the storages not given in SQLite, as Dagster\'s InstanceRef.from_dir does', () => {
    expect(storageOf(RUNS + pgBlock('event_log_storage', 'event_log', 'PostgresEventLogStorage'))).toEqual({
      kind: 'postgres',
      url: 'postgresql://x',
      shouldAutocreateTables: true,
      sqliteStorages: { scheduleStorage: { module: 'dagster._core.storage.schedules', class: 'SqliteScheduleStorage', config: {} } },
    });
    expect(storageOf(`${RUNS}schedule_storage:\n  module: dagster.core.storage.schedules\n  class: SqliteScheduleStorage\n  config: { base_dir: /tmp/x }\n`)).toEqual({
      kind: 'postgres',
      url: 'postgresql://x',
      shouldAutocreateTables: true,
      sqliteStorages: {
        eventLogStorage: { module: 'dagster._core.storage.event_log', class: 'SqliteEventLogStorage', config: {} },
        scheduleStorage: { module: 'dagster.core.storage.schedules', class: 'SqliteScheduleStorage', config: { base_dir: '/tmp/x' } },
      },
    });
  });

  it('refuses Postgres storages in two databases, or a dagster_postgres class under the wrong key, naming each key', () => {
    expect(() => storageOf(RUNS + pgBlock('event_log_storage', 'event_log', 'PostgresEventLogStorage', 'postgresql://y'))).toThrow(/one database/);
    expect(() => storageOf(pgBlock('run_storage', 'event_log', 'PostgresEventLogStorage'))).toThrow(
      /run_storage: dagster_postgres\.event_log\.PostgresEventLogStorage is not a Postgres storage inst can open/,
    );
  });

  it('keeps the SQLite per-storage form as legacy', () => {
    expect(storageOf(`
run_storage:
  module: dagster.core.storage.runs
  class: SqliteRunStorage
  config: { base_dir: /h/history }
`)).toEqual({
      kind: 'legacy',
      runStorage: { module: 'dagster.core.storage.runs', class: 'SqliteRunStorage', config: { base_dir: '/h/history' } },
      eventLogStorage: undefined,
      scheduleStorage: undefined,
    });
  });
});
