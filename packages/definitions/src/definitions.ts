/**
 * `Definitions`: everything one code location declares (Dagster's `Definitions`). Construction validates names,
 * asset dependencies and job targets, and resolves asset jobs (plus the implicit `__ASSET_JOB`) into jobs.
 */
import type { AssetCheckKey, AssetKey } from '@inst/types';
import { buildAssetJob, IMPLICIT_ASSET_JOB_NAME, selectAssets, type AssetJobDefinition } from './asset-job';
import type { AssetCheckDefinition, AssetDefinition } from './assets';
import { DependencyCycleError, DuplicateDefinitionError, InvalidDefinitionError, UnknownDefinitionError, UnknownDependencyError } from './errors';
import type { ScheduleDefinition, SensorDefinition } from './instigators';
import { JobDefinition } from './job';
import { DynamicPartitionsDefinition, MultiPartitionsDefinition, type PartitionsDefinition } from './partitions/definitions';

/** The init of {@link Definitions}. */
export interface DefinitionsInit {
  assets?: readonly AssetDefinition<any>[];
  assetChecks?: readonly AssetCheckDefinition[];
  jobs?: readonly (JobDefinition | AssetJobDefinition)[];
  schedules?: readonly ScheduleDefinition[];
  sensors?: readonly SensorDefinition[];
  /** Resources by key, handed to the executor as they are. */
  resources?: Readonly<Record<string, unknown>>;
  /** The IO manager the executor uses for this location's jobs (an `@inst/execution` IOManager). */
  ioManager?: unknown;
}

const DEFINITIONS_MARKER = Symbol.for('inst.definitions.Definitions');

/** One code location's definitions. */
export class Definitions {
  /** @internal Marks instances across copies of this package (see {@link Definitions.isDefinitions}). */
  readonly [DEFINITIONS_MARKER] = true;

  /** True for a Definitions, also one built by another copy of this package (a code location's own node_modules). */
  static isDefinitions(value: unknown): value is Definitions {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINITIONS_MARKER] === true;
  }

  readonly assets: readonly AssetDefinition[];
  readonly assetChecks: readonly AssetCheckDefinition[];
  /** Every job, asset jobs resolved, the implicit `__ASSET_JOB` included when there are assets. */
  readonly jobs: readonly JobDefinition[];
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly SensorDefinition[];
  readonly resources: Readonly<Record<string, unknown>>;
  readonly ioManager: unknown;
  private readonly jobsByName: ReadonlyMap<string, JobDefinition>;
  private readonly assetsByKey: ReadonlyMap<string, AssetDefinition>;

  constructor(init: DefinitionsInit = {}) {
    const assets = [...(init.assets ?? [])];
    const assetsByKey = new Map<string, AssetDefinition>();
    for (const asset of assets) {
      if (!asset || asset.kind !== 'asset') throw new InvalidDefinitionError(`Not an asset definition: ${String(asset)}`);
      const id = asset.key.toDbString();
      if (assetsByKey.has(id)) throw new DuplicateDefinitionError(`Asset key ${asset.key.toUserString()} is defined more than once`, { ids: { assetKey: asset.key.toUserString() } });
      assetsByKey.set(id, asset);
    }
    const opNames = new Map<string, string>();
    for (const asset of assets) {
      const other = opNames.get(asset.op.name);
      if (other) throw new DuplicateDefinitionError(`Assets ${other} and ${asset.key.toUserString()} have the same op name ${asset.op.name}`, { ids: { opName: asset.op.name } });
      opNames.set(asset.op.name, asset.key.toUserString());
      for (const [input, key] of Object.entries(asset.ins)) {
        if (!assetsByKey.has(key.toDbString())) {
          throw new UnknownDependencyError(`Input ${input} of asset ${asset.key.toUserString()} reads asset ${key.toUserString()}, which is not defined`, {
            ids: { assetKey: asset.key.toUserString(), upstream: key.toUserString() },
          });
        }
      }
    }
    checkAssetCycles(assets, assetsByKey);
    const checkKeys = new Set<string>();
    for (const asset of assets) for (const check of asset.checks) checkKeys.add(check.key.toDbString());
    for (const check of init.assetChecks ?? []) {
      if (!assetsByKey.has(check.key.assetKey.toDbString())) {
        throw new UnknownDependencyError(`Asset check ${check.key.name} targets asset ${check.key.assetKey.toUserString()}, which is not defined`, { ids: { checkName: check.key.name } });
      }
      if (checkKeys.has(check.key.toDbString())) throw new DuplicateDefinitionError(`Asset check ${check.key.toUserString()} is defined more than once`, { ids: { checkName: check.key.name } });
      checkKeys.add(check.key.toDbString());
    }
    this.assets = Object.freeze(assets);
    this.assetChecks = Object.freeze([...(init.assetChecks ?? [])]);
    this.assetsByKey = assetsByKey;

    const jobs: JobDefinition[] = [];
    const seen = new Set<string>();
    const addJob = (job: JobDefinition): void => {
      if (seen.has(job.name)) throw new DuplicateDefinitionError(`Job ${job.name} is defined more than once`, { ids: { jobName: job.name } });
      seen.add(job.name);
      jobs.push(job);
    };
    if (assets.length > 0) {
      addJob(buildAssetJob(IMPLICIT_ASSET_JOB_NAME, assets, { checks: this.assetChecks, allowMixedPartitions: true, allAssets: assets }));
    }
    for (const job of init.jobs ?? []) {
      if (job instanceof JobDefinition) addJob(job);
      else if (job?.kind === 'asset_job') addJob(this.resolveAssetJob(job));
      else throw new InvalidDefinitionError(`Not a job: ${String(job)}`);
    }
    // Schedules and sensors may target jobs given only to them.
    const instigatorTargets = [...(init.schedules ?? []).map((s) => s.job), ...(init.sensors ?? []).flatMap((s) => s.jobs)];
    for (const target of instigatorTargets) {
      if (typeof target === 'string' || seen.has(target.name)) continue;
      addJob(target instanceof JobDefinition ? target : this.resolveAssetJob(target));
    }
    this.jobs = Object.freeze(jobs);
    this.jobsByName = new Map(jobs.map((job) => [job.name, job]));

    const instigatorNames = new Set<string>();
    for (const schedule of init.schedules ?? []) {
      if (schedule?.kind !== 'schedule') throw new InvalidDefinitionError(`Not a schedule: ${String(schedule)}`);
      if (instigatorNames.has(schedule.name)) throw new DuplicateDefinitionError(`Schedule ${schedule.name} is defined more than once`, { ids: { scheduleName: schedule.name } });
      instigatorNames.add(schedule.name);
      if (!this.jobsByName.has(schedule.jobName)) throw new UnknownDependencyError(`Schedule ${schedule.name} targets unknown job ${schedule.jobName}`, { ids: { scheduleName: schedule.name, jobName: schedule.jobName } });
    }
    for (const sensor of init.sensors ?? []) {
      if (sensor?.kind !== 'sensor') throw new InvalidDefinitionError(`Not a sensor: ${String(sensor)}`);
      if (instigatorNames.has(sensor.name)) throw new DuplicateDefinitionError(`Sensor ${sensor.name} has the name of another schedule or sensor`, { ids: { sensorName: sensor.name } });
      instigatorNames.add(sensor.name);
      for (const jobName of [...sensor.jobNames, ...(sensor.monitoredJobNames ?? [])]) {
        if (!this.jobsByName.has(jobName)) throw new UnknownDependencyError(`Sensor ${sensor.name} targets unknown job ${jobName}`, { ids: { sensorName: sensor.name, jobName } });
      }
      for (const path of sensor.assetSelection ?? []) {
        if (!assetsByKey.has(JSON.stringify(path))) {
          // AssetKey.toDbString is JSON of the path.
          throw new UnknownDependencyError(`Sensor ${sensor.name} selects unknown asset ${path.join('/')}`, { ids: { sensorName: sensor.name } });
        }
      }
    }
    this.schedules = Object.freeze([...(init.schedules ?? [])]);
    this.sensors = Object.freeze([...(init.sensors ?? [])]);
    this.resources = Object.freeze({ ...(init.resources ?? {}) });
    this.ioManager = init.ioManager ?? null;
  }

  private resolveAssetJob(job: AssetJobDefinition): JobDefinition {
    const selected = selectAssets(job.name, job.selection, this.assets);
    return buildAssetJob(job.name, selected, {
      description: job.description,
      partitions: job.partitions,
      tags: job.tags,
      runTags: job.runTags,
      config: job.config,
      executor: job.executor,
      checks: this.assetChecks,
      allAssets: this.assets,
    });
  }

  /** The job of a name; throws UnknownDefinitionError. */
  getJob(name: string): JobDefinition {
    const job = this.jobsByName.get(name);
    if (!job) throw new UnknownDefinitionError(`No job named ${name} in this code location`, { ids: { jobName: name } });
    return job;
  }

  /** Whether a job of this name exists. */
  hasJob(name: string): boolean {
    return this.jobsByName.has(name);
  }

  /** The implicit job of every asset, or null when there are no assets. */
  getImplicitAssetJob(): JobDefinition | null {
    return this.jobsByName.get(IMPLICIT_ASSET_JOB_NAME) ?? null;
  }

  /** The schedule of a name; throws UnknownDefinitionError. */
  getSchedule(name: string): ScheduleDefinition {
    const schedule = this.schedules.find((s) => s.name === name);
    if (!schedule) throw new UnknownDefinitionError(`No schedule named ${name} in this code location`, { ids: { scheduleName: name } });
    return schedule;
  }

  /** The sensor of a name; throws UnknownDefinitionError. */
  getSensor(name: string): SensorDefinition {
    const sensor = this.sensors.find((s) => s.name === name);
    if (!sensor) throw new UnknownDefinitionError(`No sensor named ${name} in this code location`, { ids: { sensorName: name } });
    return sensor;
  }

  /** The asset of a key, or undefined. */
  getAsset(key: AssetKey): AssetDefinition | undefined {
    return this.assetsByKey.get(key.toDbString());
  }

  /** Every asset check key (in-step and separate). */
  get assetCheckKeys(): AssetCheckKey[] {
    return [...this.assets.flatMap((asset) => asset.checks.map((check) => check.key)), ...this.assetChecks.map((check) => check.key)];
  }

  /** The names of the dynamic partitions definitions used by the assets and jobs (including multi dimensions). */
  get dynamicPartitionsDefinitionNames(): string[] {
    const names = new Set<string>();
    const visit = (def: PartitionsDefinition | null): void => {
      if (def instanceof DynamicPartitionsDefinition) names.add(def.name);
      if (def instanceof MultiPartitionsDefinition) for (const dim of def.dimensions) visit(dim.partitionsDef);
    };
    for (const asset of this.assets) visit(asset.partitions);
    for (const job of this.jobs) visit(job.partitions);
    return [...names];
  }
}

function checkAssetCycles(assets: readonly AssetDefinition[], byKey: ReadonlyMap<string, AssetDefinition>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (asset: AssetDefinition, path: string[]): void => {
    const id = asset.key.toDbString();
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const names = [...path.slice(path.indexOf(asset.key.toUserString())), asset.key.toUserString()];
      throw new DependencyCycleError(`Assets have a dependency cycle: ${names.join(' -> ')}`, { ids: { cycle: names.join(' -> ') } });
    }
    state.set(id, 'visiting');
    for (const dep of [...Object.values(asset.ins), ...asset.deps]) {
      const upstream = byKey.get(dep.toDbString());
      if (upstream) visit(upstream, [...path, asset.key.toUserString()]);
    }
    state.set(id, 'done');
  };
  for (const asset of assets) visit(asset, []);
}
