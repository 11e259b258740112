import { describe, expect, it } from 'vitest';
import { InstanceSettings, parseInstanceConfigYaml, postgresUrlFromConfig, storageConfigOf } from './index';

const storageOf = (yaml: string, env: Record<string, string> = {}) =>
  new InstanceSettings(parseInstanceConfigYaml(yaml, 'dagster.yaml', env)).storageConfig;

describe('storageConfig', () => {
  it('reads sqlite', () => {
    expect(storageOf('storage: { sqlite: { base_dir: /var/dagster } }')).toEqual({ kind: 'sqlite', baseDir: '/var/dagster' });
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

  it('refuses a partial or mixed per-storage Postgres form, naming each key', () => {
    expect(() =>
      storageOf(`
run_storage:
  module: dagster_postgres.run_storage
  class: PostgresRunStorage
  config: { postgres_url: postgresql://x }
event_log_storage:
  module: dagster_postgres.event_log
  class: PostgresEventLogStorage
  config: { postgres_url: postgresql://y }
schedule_storage:
  module: dagster.core.storage.schedules
  class: SqliteScheduleStorage
  config: { base_dir: /tmp/x }
`),
    ).toThrow(/schedule_storage: dagster\.core\.storage\.schedules\.SqliteScheduleStorage cannot be combined[\s\S]*one Postgres database/);
    expect(() =>
      storageOf(`
run_storage:
  module: dagster_postgres.run_storage
  class: PostgresRunStorage
  config: { postgres_url: postgresql://x }
`),
    ).toThrow(/event_log_storage: not set[\s\S]*schedule_storage: not set/);
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
