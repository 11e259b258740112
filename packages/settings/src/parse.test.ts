import { ConfigError } from '@inst/errors';
import { describe, expect, it } from 'vitest';
import { InstanceSettings, parseInstanceConfig, parseInstanceConfigYaml } from './index';

/** The problems a config is rejected with. */
function problemsOf(yaml: string, env: Record<string, string> = {}): readonly string[] {
  try {
    parseInstanceConfigYaml(yaml, 'dagster.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the config was accepted');
}

describe('parseInstanceConfig', () => {
  it('reads null, undefined and blank blocks as an empty config', () => {
    expect(parseInstanceConfig(null)).toEqual({});
    expect(parseInstanceConfig(undefined)).toEqual({});
    expect(parseInstanceConfigYaml('telemetry:\nnux:\n  enabled: false\n', 'x', {})).toEqual({ nux: { enabled: false } });
  });

  it('keeps the blocks as written, without filling in defaults', () => {
    expect(parseInstanceConfig({ run_retries: { enabled: true } })).toEqual({ run_retries: { enabled: true } });
  });

  it('rejects a document that is not a mapping', () => {
    expect(() => parseInstanceConfig(['a'], 'inst.yaml')).toThrow(/in inst\.yaml:\n {2}<root>: expected a mapping/);
  });

  it('lists every problem of a bad config with its path', () => {
    const problems = problemsOf(`
run_retries:
  max_retries: three
  enabled: maybe
run_monitoring:
  poll_interval_seconds: 1.5
  speed: fast
run_queue:
  max_concurrent_runs: -2
  tag_concurrency_limits:
    - key: team
      limit: many
    - value: x
      limit: 1
concurrency:
  pools:
    granularity: step
    default_limit: 5000
retention:
  sensor: {}
storage:
  sqlite: { base_dir: /a }
  postgres: { postgres_url: postgresql://x }
telemetry: { enabled: true }
unknown_block: { a: 1 }
`);
    expect([...problems].sort()).toEqual(
      [
        'run_retries.max_retries: expected a number',
        'run_retries.enabled: expected true or false',
        'run_monitoring.poll_interval_seconds: expected an integer',
        'run_monitoring.speed: unknown key',
        'run_queue.max_concurrent_runs: must be -1 (no limit), 0 or more',
        // concurrency.pools is used, so the run queue may no longer set these
        'run_queue.max_concurrent_runs: conflicts with the concurrency settings; set concurrency.runs.max_concurrent_runs instead',
        'run_queue.tag_concurrency_limits: conflicts with the concurrency settings; set concurrency.runs.tag_concurrency_limits instead',
        'run_queue.tag_concurrency_limits[0].limit: expected a number',
        'run_queue.tag_concurrency_limits[1].key: is required',
        "concurrency.pools.granularity: expected 'op' or 'run'",
        'concurrency.pools.default_limit: expected a value between 0 and 1000',
        'retention.sensor.purge_after_days: is required',
        'storage: needs exactly one of sqlite, postgres, mysql, custom',
        'unknown_block: unknown key',
      ].sort(),
    );
  });

  it('names the source in the error message', () => {
    expect(() => parseInstanceConfig({ nope: 1 }, '/home/inst.yaml')).toThrow(
      'Invalid instance configuration in /home/inst.yaml:\n  nope: unknown key',
    );
  });

  it('checks a postgres block has exactly one of postgres_url and postgres_db', () => {
    expect(problemsOf('storage:\n  postgres:\n    should_autocreate_tables: false\n')).toEqual([
      'storage.postgres: needs exactly one of postgres_url, postgres_db',
    ]);
    expect(problemsOf('storage:\n  postgres:\n    postgres_db: { username: u, hostname: h }\n')).toEqual([
      'storage.postgres.postgres_db.db_name: is required',
    ]);
    expect(problemsOf('storage:\n  sqlite: {}\n  postgres: {}\n')).toEqual([
      'storage.sqlite.base_dir: is required',
      'storage.postgres: needs exactly one of postgres_url, postgres_db',
      'storage: needs exactly one of sqlite, postgres, mysql, custom',
    ]);
    expect(problemsOf('storage: 5')).toEqual(['storage: expected a mapping']);
  });

  it("rejects Dagster's forbidden combinations, all of them at once", () => {
    const problems = problemsOf(`
run_queue: { max_concurrent_runs: 3 }
run_coordinator: { module: dagster, class: DefaultRunCoordinator }
storage: { sqlite: { base_dir: /x } }
run_storage: { module: m, class: C }
schedule_storage: { module: m, class: C }
`);
    expect(problems).toEqual([
      'run_queue: cannot be combined with run_coordinator (run_queue configures a QueuedRunCoordinator)',
      'storage: cannot be combined with run_storage, schedule_storage',
    ]);
  });

  it('checks the config of a QueuedRunCoordinator like run_queue, and leaves other classes alone', () => {
    expect(
      problemsOf(`
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config: { max_concurrent_runs: lots, dequeue_everything: true }
`),
    ).toEqual([
      'run_coordinator.config.max_concurrent_runs: expected a number',
      'run_coordinator.config.dequeue_everything: unknown key',
    ]);
    const custom = parseInstanceConfigYaml(
      'run_coordinator: { module: mine, class: MyCoordinator, config: { anything: [1, 2] } }',
      undefined,
      {},
    );
    expect(custom.run_coordinator?.config).toEqual({ anything: [1, 2] });
    const dated = parseInstanceConfigYaml('run_launcher: { module: m, class: C, config: { since: 2024-01-02 } }', undefined, {});
    expect(dated.run_launcher?.config?.since).toEqual(new Date('2024-01-02T00:00:00Z'));
  });

  it('allows the extra top-level keys of a custom instance class', () => {
    expect(problemsOf('my_setting: 1')).toEqual(['my_setting: unknown key']);
    const config = parseInstanceConfigYaml('instance_class: { module: m, class: C }\nmy_setting: 1', undefined, {});
    expect(config).toEqual({ instance_class: { module: 'm', class: 'C' }, my_setting: 1 });
  });
});

describe('{env: VAR} values', () => {
  const env = {
    PG_URL: 'postgresql://u:p@db/dagster',
    RETRIES: ' 7 ',
    MONITOR: 'TRUE',
    LABEL: 'Staging',
    NAMESPACE: 'runs',
  };

  it('resolves strings, integers and booleans, and values inside class configs', () => {
    const config = parseInstanceConfigYaml(
      `
storage:
  postgres:
    postgres_url: { env: PG_URL }
run_retries:
  max_retries: { env: RETRIES }
run_monitoring:
  enabled: { env: MONITOR }
ui:
  label: { env: LABEL }
run_launcher:
  module: my_launchers
  class: K8sLauncher
  config:
    namespaces: [{ env: NAMESPACE }, fixed]
`,
      undefined,
      env,
    );
    const settings = new InstanceSettings(config);
    expect(settings.storageConfig).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@db/dagster',
      shouldAutocreateTables: true,
    });
    expect(settings.runRetriesMaxRetries).toBe(7);
    expect(settings.runMonitoringEnabled).toBe(true);
    expect(settings.uiLabel).toBe('Staging');
    expect(settings.runLauncherConfig.config).toEqual({ namespaces: ['runs', 'fixed'] });
  });

  it('reports unset variables and variables of the wrong type with their paths', () => {
    const problems = problemsOf(
      `
run_retries:
  max_retries: { env: NOT_A_NUMBER }
  enabled: { env: MISSING_FLAG }
run_launcher:
  module: m
  class: C
  config:
    nested: { token: { env: MISSING_TOKEN } }
`,
      { NOT_A_NUMBER: 'seven' },
    );
    expect([...problems].sort()).toEqual([
      'run_launcher.config.nested.token: environment variable MISSING_TOKEN is not set',
      'run_retries.enabled: environment variable MISSING_FLAG is not set',
      'run_retries.max_retries: expected a number',
    ]);
  });

  it('reads process.env by default', () => {
    process.env.INST_SETTINGS_TEST_RETRIES = '2';
    try {
      expect(parseInstanceConfig({ run_retries: { max_retries: { env: 'INST_SETTINGS_TEST_RETRIES' } } })).toEqual({
        run_retries: { max_retries: 2 },
      });
    } finally {
      delete process.env.INST_SETTINGS_TEST_RETRIES;
    }
  });
});
