import type { Instance } from '@inst/core';
import { replaceRecord } from '@inst/serdes';
import { InstigatorType, RemoteRepositoryOrigin, SensorInstigatorData, ScheduleInstigatorData, type InstigatorState, type SensorType } from '@inst/types';
import type { Command } from 'commander';
import { CliFailure, shortTime, UsageError, type CommandContext } from '../context';
import { example, type Act } from '../program';
import { previewSchedule, previewSensor, type CodeTargetOptions, addCodeTargetOptions, hasCodeTarget, openWorkspace } from '../code';

type Kind = 'schedule' | 'sensor';

function typeOf(kind: Kind): InstigatorType {
  return kind === 'schedule' ? InstigatorType.SCHEDULE : InstigatorType.SENSOR;
}

export function stateJson(state: InstigatorState) {
  const data = state.instigatorData;
  const selector = state.repositorySelector;
  return {
    name: state.name,
    type: String(state.instigatorType),
    status: String(state.status),
    running: state.isRunning,
    location: selector.locationName,
    repository: selector.repositoryName,
    originId: state.instigatorOriginId,
    selectorId: state.selectorId,
    cronSchedule: data instanceof ScheduleInstigatorData ? data.cronSchedule : null,
    cursor: data instanceof SensorInstigatorData ? data.cursor : null,
    minInterval: data instanceof SensorInstigatorData ? data.minInterval : null,
    lastTickTimestamp: data instanceof SensorInstigatorData ? data.lastTickTimestamp : data instanceof ScheduleInstigatorData ? data.lastIterationTimestamp : null,
  };
}

async function states(instance: Instance, kind: Kind): Promise<InstigatorState[]> {
  return instance.allInstigatorState(null, null, typeOf(kind));
}

async function findState(instance: Instance, kind: Kind, name: string, location?: string): Promise<InstigatorState> {
  const matches = (await states(instance, kind)).filter((s) => s.name === name && (!location || s.repositorySelector.locationName === location));
  if (matches.length === 0) {
    throw new CliFailure(`${kind.toUpperCase()}_NOT_FOUND`, `no stored ${kind} named ${name}${location ? ` in location ${location}` : ''} (a ${kind} gets a stored state when it is first started or ticks)`);
  }
  if (matches.length > 1) {
    throw new UsageError(`${matches.length} ${kind}s are named ${name} (locations ${matches.map((m) => m.repositorySelector.locationName).join(', ')}): pass --location`);
  }
  return matches[0]!;
}

/** A schedule or sensor a code location defines, with its origin (what its stored state is keyed by). */
interface CodeInstigator {
  name: string;
  location: string;
  origin: ReturnType<RemoteRepositoryOrigin['getInstigatorOrigin']>;
  cronSchedule: string | null;
  minIntervalSeconds: number | null;
  sensorType: string | null;
  defaultStatus: string;
}

async function codeInstigators(ctx: CommandContext, kind: Kind, options: CodeTargetOptions): Promise<CodeInstigator[]> {
  await using workspace = await openWorkspace(ctx, options);
  const out: CodeInstigator[] = [];
  for (const location of workspace.locations) {
    if (options.location && location.name !== options.location) continue;
    const snapshot = await location.snapshot();
    const repository = new RemoteRepositoryOrigin({ codeLocationOrigin: location.origin, repositoryName: snapshot.repositoryName });
    if (kind === 'schedule') {
      for (const s of snapshot.schedules) out.push({ name: s.name, location: location.name, origin: repository.getInstigatorOrigin(s.name), cronSchedule: s.cronSchedule, minIntervalSeconds: null, sensorType: null, defaultStatus: s.defaultStatus });
    } else {
      for (const s of snapshot.sensors) out.push({ name: s.name, location: location.name, origin: repository.getInstigatorOrigin(s.name), cronSchedule: null, minIntervalSeconds: s.minIntervalSeconds, sensorType: s.sensorType, defaultStatus: s.defaultStatus });
    }
  }
  return out;
}

function listCommand(kind: Kind) {
  return async (ctx: CommandContext, options: CodeTargetOptions & { running?: boolean; stopped?: boolean }) => {
    await using instance = await ctx.instance();
    const stored = (await states(instance, kind)).map(stateJson);
    let entries: (ReturnType<typeof stateJson> & { inCode?: boolean })[] = stored;
    if (hasCodeTarget(options)) {
      // The code's schedules/sensors, each with its stored state (or the default status declared in code).
      entries = (await codeInstigators(ctx, kind, options)).map((c) => {
        const state = stored.find((s) => s.originId === c.origin.getId());
        const running = state ? state.running : c.defaultStatus === 'RUNNING';
        return state
          ? { ...state, inCode: true }
          : {
              name: c.name,
              type: kind === 'schedule' ? 'SCHEDULE' : 'SENSOR',
              status: running ? 'DECLARED_IN_CODE' : 'STOPPED',
              running,
              location: c.location,
              repository: '',
              originId: c.origin.getId(),
              selectorId: c.origin.getSelector().selectorId,
              cronSchedule: c.cronSchedule,
              cursor: null,
              minInterval: c.minIntervalSeconds,
              lastTickTimestamp: null,
              inCode: true,
            };
      });
    }
    const all = entries
      .filter((s) => (options.running ? s.running : true) && (options.stopped ? !s.running : true))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    ctx.emit({ [`${kind}s`]: all }, () =>
      ctx.table(
        kind === 'schedule' ? ['name', 'status', 'cron', 'location', 'last tick'] : ['name', 'status', 'cursor', 'location', 'last tick'],
        all.map((s) => [s.name, s.status, kind === 'schedule' ? [s.cronSchedule].flat().join(' | ') : (s.cursor ?? '-'), s.location, shortTime(s.lastTickTimestamp)]),
        `No ${kind}s.`,
      ),
    );
  };
}

function startCommand(kind: Kind) {
  return async (ctx: CommandContext, name: string, options: CodeTargetOptions) => {
    await using instance = await ctx.instance();
    if (hasCodeTarget(options)) {
      // From the code: the state is created (or fixed) from what the code declares.
      const entry = (await codeInstigators(ctx, kind, options)).find((c) => c.name === name);
      if (!entry) throw new CliFailure(`${kind.toUpperCase()}_NOT_FOUND`, `no ${kind} named ${name} in the code location(s)`);
      const after =
        kind === 'schedule'
          ? await instance.startSchedule({ name, origin: entry.origin, cronSchedule: entry.cronSchedule! })
          : await instance.startSensor({ name, origin: entry.origin, minIntervalSeconds: entry.minIntervalSeconds, sensorType: entry.sensorType as SensorType | null });
      ctx.emit(stateJson(after), () => ctx.out(`Started ${kind} ${name}`));
      return;
    }
    const state = await findState(instance, kind, name, options.location);
    let after: InstigatorState;
    if (kind === 'schedule') {
      const data = state.instigatorData as ScheduleInstigatorData;
      after = await instance.startSchedule({ name, origin: state.origin, selectorId: state.selectorId, cronSchedule: data.cronSchedule });
    } else {
      const data = state.sensorInstigatorData;
      after = await instance.startSensor({ name, origin: state.origin, selectorId: state.selectorId, minIntervalSeconds: data?.minInterval ?? null, sensorType: data?.sensorType ?? null });
    }
    ctx.emit(stateJson(after), () => ctx.out(`Started ${kind} ${name}`));
  };
}

function stopCommand(kind: Kind) {
  return async (ctx: CommandContext, name: string, options: { location?: string }) => {
    await using instance = await ctx.instance();
    const state = await findState(instance, kind, name, options.location);
    const after =
      kind === 'schedule'
        ? await instance.stopSchedule(state.instigatorOriginId, state.selectorId)
        : await instance.stopSensor(state.instigatorOriginId, state.selectorId);
    ctx.emit(stateJson(after), () => ctx.out(`Stopped ${kind} ${name}`));
  };
}

async function sensorCursor(ctx: CommandContext, name: string, options: { set?: string; delete?: boolean; location?: string }): Promise<void> {
  if ((options.set === undefined) === (options.delete !== true)) throw new UsageError('Must set cursor using `--set <value>` or use `--delete`');
  await using instance = await ctx.instance();
  const state = await findState(instance, 'sensor', name, options.location);
  const cursor = options.delete ? null : (options.set ?? null);
  const updated = replaceInstigatorCursor(state, cursor);
  await instance.updateInstigatorState(updated);
  ctx.emit(stateJson(updated), () => ctx.out(cursor === null ? `Cleared cursor state for sensor ${name}` : `Set cursor state for sensor ${name} to "${cursor}"`));
}

function previewCommand(kind: Kind) {
  return async (ctx: CommandContext, name: string, options: CodeTargetOptions & { since?: number; cursor?: string; lastRunKey?: string }) => {
    const result = kind === 'schedule' ? await previewSchedule(ctx, name, options) : await previewSensor(ctx, name, options);
    ctx.emit(result, () => {
      if (result.error) ctx.out(`Failed to evaluate ${kind} ${name}: ${result.error}`);
      else if (result.runRequests.length === 0) ctx.out(`${kind === 'schedule' ? 'Schedule' : 'Sensor'} returned no run requests for ${name}${result.skipMessage ? `, skipping: ${result.skipMessage}` : ''}`);
      else {
        ctx.out(`${kind === 'schedule' ? 'Schedule' : 'Sensor'} returning run requests for ${result.runRequests.length} run(s):`);
        for (const request of result.runRequests) ctx.out(`  ${JSON.stringify(request)}`);
      }
      if (kind === 'sensor' && result.cursor !== undefined && result.cursor !== null) ctx.out(`New cursor: ${result.cursor}`);
    });
    if (result.error) throw new CliFailure('EVALUATION_FAILED', `${kind} ${name} failed: ${result.error}`);
  };
}

function register(program: Command, act: Act, kind: Kind): void {
  const plural = `${kind}s`;
  const group = program.command(kind).description(kind === 'schedule' ? 'Schedules: list, start, stop, preview.' : 'Sensors: list, start, stop, preview, cursor.');
  example(
    addCodeTargetOptions(
      group.command('list').description(`List the ${plural} with a stored state (or, with -f/-m/-w, those the code defines) and their status.`).option('--running', 'only running ones').option('--stopped', 'only stopped ones'),
    ).action(act(listCommand(kind))),
    `inst ${kind} list --running`,
    `inst ${kind} list -f defs.ts --json`,
  );
  example(
    addCodeTargetOptions(group.command('start').description(`Start a ${kind} (its stored state, or with -f/-m/-w from the code): the daemon ticks it from now on.`).argument('<name>')).action(
      act(startCommand(kind)),
    ),
    `inst ${kind} start ${kind === 'schedule' ? 'daily_etl' : 'new_files'}`,
    `inst ${kind} start ${kind === 'schedule' ? 'daily_etl' : 'new_files'} -f defs.ts`,
  );
  example(
    group.command('stop').description(`Stop a ${kind}.`).argument('<name>').option('--location <name>', 'the code location, when names clash').action(act(stopCommand(kind))),
    `inst ${kind} stop ${kind === 'schedule' ? 'daily_etl' : 'new_files'}`,
  );
  const preview = group
    .command('preview')
    .description(`Evaluate a ${kind} once in its code location (in a child process) and print the run requests; nothing is written.`)
    .argument('<name>');
  addCodeTargetOptions(preview);
  if (kind === 'sensor') preview.option('--cursor <cursor>', 'the cursor to evaluate with').option('--last-run-key <key>', 'the last run key').option('--since <seconds>', 'last tick completion time (epoch seconds)', Number);
  example(preview.action(act(previewCommand(kind))), `inst ${kind} preview ${kind === 'schedule' ? 'daily_etl' : 'new_files'} -f defs.ts`);
  if (kind === 'sensor') {
    example(
      group
        .command('cursor')
        .description("Set or clear a sensor's cursor.")
        .argument('<name>')
        .option('--set <value>', 'the new cursor')
        .option('--delete', 'clear the cursor')
        .option('--location <name>', 'the code location, when names clash')
        .action(act(sensorCursor)),
      'inst sensor cursor new_files --set 2024-01-01',
      'inst sensor cursor new_files --delete',
    );
  }
}

export function registerScheduleCommands(program: Command, act: Act): void {
  register(program, act, 'schedule');
}

export function registerSensorCommands(program: Command, act: Act): void {
  register(program, act, 'sensor');
}

/** The state with its sensor cursor replaced (a sensor without data gets a fresh SensorInstigatorData). */
function replaceInstigatorCursor(state: InstigatorState, cursor: string | null): InstigatorState {
  const data = state.sensorInstigatorData;
  return state.withData(data ? replaceRecord<SensorInstigatorData>(data, { cursor }) : new SensorInstigatorData({ cursor }));
}
