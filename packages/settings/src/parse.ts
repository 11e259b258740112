import { ConfigError } from '@inst/errors';
import type { z } from 'zod';
import { instanceConfigSchema } from './schema';
import { isMapping } from './values';
import type { Env, InstanceConfig } from './types';

type Path = readonly PropertyKey[];

/**
 * Validates a parsed dagster.yaml / inst.yaml document against Dagster's instance schema and
 * resolves its `{env: VAR}` values from `env`.
 *
 * @param raw - the parsed YAML; `null` or `undefined` (an empty file) is an empty config.
 * @param source - where the document came from, named in the error.
 * @param env - environment for `{env: VAR}` values; defaults to `process.env`.
 * @throws ConfigError listing every problem as `path: message`.
 */
export function parseInstanceConfig(raw: unknown, source?: string, env: Env = process.env): InstanceConfig {
  const document = raw ?? {};
  if (!isMapping(document)) throw new ConfigError(['<root>: expected a mapping of settings'], source);
  // An empty block (`telemetry:` with nothing under it) reads as null; treat it as absent.
  const blocks = Object.fromEntries(Object.entries(document).filter(([, value]) => value !== null));

  const schema = instanceConfigSchema(env, { extraKeys: blocks.instance_class !== undefined });
  const result = schema.safeParse(blocks);
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue, blocks))),
    ...combinationProblems(blocks),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems, source);
  // The schema mirrors InstanceConfig; zod's inferred type is only less precise (transforms yield unknown).
  return result.data as InstanceConfig;
}

/** Settings Dagster forbids to combine (instance/config.py `dagster_instance_config`). */
function combinationProblems(document: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const has = (key: string) => document[key] !== undefined;

  if (has('run_queue') && has('run_coordinator')) {
    problems.push('run_queue: cannot be combined with run_coordinator (run_queue configures a QueuedRunCoordinator)');
  }
  const legacy = ['run_storage', 'event_log_storage', 'schedule_storage'].filter(has);
  if (has('storage') && legacy.length > 0) problems.push(`storage: cannot be combined with ${legacy.join(', ')}`);

  const concurrency = document.concurrency;
  if (!isMapping(concurrency)) return problems;
  if (concurrency.pools != null && concurrency.default_op_concurrency_limit != null) {
    problems.push(
      'concurrency.default_op_concurrency_limit: cannot be combined with concurrency.pools; use concurrency.pools.default_limit',
    );
  }
  // Once `concurrency.runs` or `.pools` is used, the run queue's copies of those settings must go.
  if (concurrency.runs == null && concurrency.pools == null) return problems;
  const queues: [string, unknown][] = [['run_queue', document.run_queue]];
  const coordinator = document.run_coordinator;
  if (isMapping(coordinator) && coordinator.class === 'QueuedRunCoordinator') {
    queues.push(['run_coordinator.config', coordinator.config]);
  }
  const moved: [Path, string][] = [
    [['max_concurrent_runs'], 'concurrency.runs.max_concurrent_runs'],
    [['tag_concurrency_limits'], 'concurrency.runs.tag_concurrency_limits'],
    [['block_op_concurrency_limited_runs', 'op_concurrency_slot_buffer'], 'concurrency.pools.op_granularity_run_buffer'],
  ];
  for (const [prefix, queue] of queues) {
    for (const [path, replacement] of moved) {
      if (valueAt(queue, path) != null) {
        problems.push(`${prefix}.${path.join('.')}: conflicts with the concurrency settings; set ${replacement} instead`);
      }
    }
  }
  return problems;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
};

/** One `path: message` line per problem, worded for people editing YAML rather than zod's wording. */
function describeIssue(issue: z.core.$ZodIssue, document: unknown): string[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
    case 'invalid_type':
      if (valueAt(document, issue.path) === undefined) return [`${path}: is required`];
      return [`${path}: expected ${EXPECTED[issue.expected] ?? issue.expected}`];
    default:
      return [`${path}: ${issue.message}`];
  }
}

/** `run_queue.tag_concurrency_limits[0].limit`. */
function formatPath(path: Path): string {
  if (path.length === 0) return '<root>';
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
