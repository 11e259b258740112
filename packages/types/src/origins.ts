/**
 * Where code lives: code pointers, loadable targets, code location / repository / job / instigator
 * origins and selectors (`_core/remote_origin.py`, `_core/origin.py`, `_core/code_pointer.py`,
 * `_core/types/loadable_target_origin.py`, `_core/definitions/selector.py`). Origins inside run bodies and
 * instigator states keep Dagster's old storage names (`ExternalPipelineOrigin`, …).
 */
import { createSnapshotId, initRecord, registerRecord, t } from '@inst/serdes';

// ---------------------------------------------------------------- selectors

/** Names a repository in a code location; its snapshot id is the `repository_selector_id` column. */
export class RepositorySelector {
  declare readonly locationName: string;
  declare readonly repositoryName: string;
  constructor(init: { locationName: string; repositoryName: string }) {
    initRecord(this, init);
  }
  /** SHA-1 of the serialized selector. */
  get selectorId(): string {
    return createSnapshotId(this);
  }
}
registerRecord(RepositorySelector, {
  name: 'RepositorySelector',
  fields: { locationName: { type: t.str }, repositoryName: { type: t.str } },
});

/** Names a schedule or sensor; its snapshot id is the `selector_id` column of instigators and ticks. */
export class InstigatorSelector {
  declare readonly locationName: string;
  declare readonly repositoryName: string;
  declare readonly name: string;
  constructor(init: { locationName: string; repositoryName: string; name: string }) {
    initRecord(this, init);
  }
  /** SHA-1 of the serialized selector. */
  get selectorId(): string {
    return createSnapshotId(this);
  }
}
registerRecord(InstigatorSelector, {
  name: 'InstigatorSelector',
  fields: { locationName: { type: t.str }, repositoryName: { type: t.str }, name: { type: t.str } },
});

/** Names a job in a repository. */
export class JobSelector {
  declare readonly locationName: string;
  declare readonly repositoryName: string;
  declare readonly jobName: string;
  constructor(init: { locationName: string; repositoryName?: string; jobName: string }) {
    initRecord(this, init);
  }
  get selectorId(): string {
    return createSnapshotId(this);
  }
}
registerRecord(JobSelector, {
  name: 'JobSelector',
  fields: { locationName: { type: t.str }, repositoryName: { type: t.str, default: '__repository__' }, jobName: { type: t.str } },
});

/** Names a partition set in a repository. */
export class PartitionSetSelector {
  declare readonly locationName: string;
  declare readonly repositoryName: string;
  declare readonly partitionSetName: string;
  constructor(init: { locationName: string; repositoryName: string; partitionSetName: string }) {
    initRecord(this, init);
  }
}
registerRecord(PartitionSetSelector, {
  name: 'PartitionSetSelector',
  fields: { locationName: { type: t.str }, repositoryName: { type: t.str }, partitionSetName: { type: t.str } },
});

// ---------------------------------------------------------------- code pointers

/** Points at a function or attribute in a Python file. */
export class FileCodePointer {
  declare readonly pythonFile: string;
  declare readonly fnName: string;
  declare readonly workingDirectory: string | null;
  constructor(init: { pythonFile: string; fnName: string; workingDirectory?: string | null }) {
    initRecord(this, init);
  }
}
registerRecord(FileCodePointer, {
  name: 'FileCodePointer',
  fields: { pythonFile: { type: t.str }, fnName: { type: t.str }, workingDirectory: { type: t.nullable(t.str) } },
});

/** Points at a function or attribute in a Python module. */
export class ModuleCodePointer {
  declare readonly module: string;
  declare readonly fnName: string;
  declare readonly workingDirectory: string | null;
  constructor(init: { module: string; fnName: string; workingDirectory?: string | null }) {
    initRecord(this, init);
  }
}
registerRecord(ModuleCodePointer, {
  name: 'ModuleCodePointer',
  fields: { module: { type: t.str }, fnName: { type: t.str }, workingDirectory: { type: t.nullable(t.str) } },
});

/** Points at an attribute of a Python package. */
export class PackageCodePointer {
  declare readonly module: string;
  declare readonly attribute: string;
  declare readonly workingDirectory: string | null;
  constructor(init: { module: string; attribute: string; workingDirectory?: string | null }) {
    initRecord(this, init);
  }
}
registerRecord(PackageCodePointer, {
  name: 'PackageCodePointer',
  fields: { module: { type: t.str }, attribute: { type: t.str }, workingDirectory: { type: t.nullable(t.str) } },
});

/** Any of the code pointers (others read from storage stay `UnknownRecord`s). */
export type CodePointer = FileCodePointer | ModuleCodePointer | PackageCodePointer;

// ---------------------------------------------------------------- python origins

/** Init of {@link LoadableTargetOrigin}. */
export interface LoadableTargetOriginInit {
  executablePath?: string | null;
  pythonFile?: string | null;
  moduleName?: string | null;
  workingDirectory?: string | null;
  attribute?: string | null;
  packageName?: string | null;
  autoloadDefsModuleName?: string | null;
}

/** How to load a code location's definitions (file, module or package, and attribute). */
export class LoadableTargetOrigin {
  declare readonly executablePath: string | null;
  declare readonly pythonFile: string | null;
  declare readonly moduleName: string | null;
  declare readonly workingDirectory: string | null;
  declare readonly attribute: string | null;
  declare readonly packageName: string | null;
  declare readonly autoloadDefsModuleName: string | null;
  constructor(init: LoadableTargetOriginInit = {}) {
    initRecord(this, init);
  }
}
registerRecord(LoadableTargetOrigin, {
  name: 'LoadableTargetOrigin',
  fields: {
    executablePath: { type: t.nullable(t.str) },
    pythonFile: { type: t.nullable(t.str) },
    moduleName: { type: t.nullable(t.str) },
    workingDirectory: { type: t.nullable(t.str) },
    attribute: { type: t.nullable(t.str) },
    packageName: { type: t.nullable(t.str) },
    // Left out when null so that origin ids (hashes) do not change for origins without it.
    autoloadDefsModuleName: { type: t.nullable(t.str), skipWhenNone: true },
  },
});

/** Init of {@link RepositoryPythonOrigin}. */
export interface RepositoryPythonOriginInit {
  executablePath: string;
  codePointer: CodePointer | object;
  containerImage?: string | null;
  entryPoint?: readonly string[] | null;
  containerContext?: Readonly<Record<string, unknown>> | null;
}

/** A repository as the run worker loads it: interpreter and code pointer. */
export class RepositoryPythonOrigin {
  declare readonly executablePath: string;
  declare readonly codePointer: CodePointer | object;
  declare readonly containerImage: string | null;
  declare readonly entryPoint: readonly string[] | null;
  declare readonly containerContext: Readonly<Record<string, unknown>> | null;
  constructor(init: RepositoryPythonOriginInit) {
    initRecord(this, init);
  }
  /** SHA-1 of the serialized origin. */
  getId(): string {
    return createSnapshotId(this);
  }
}
registerRecord(RepositoryPythonOrigin, {
  name: 'RepositoryPythonOrigin',
  fields: {
    executablePath: { type: t.str },
    codePointer: { type: t.any },
    containerImage: { type: t.nullable(t.str) },
    entryPoint: { type: t.nullable(t.list(t.str)) },
    containerContext: { type: t.nullable(t.dict()) },
  },
});

/** A job as the run worker loads it (stored as `PipelinePythonOrigin`). */
export class JobPythonOrigin {
  declare readonly jobName: string;
  declare readonly repositoryOrigin: RepositoryPythonOrigin;
  constructor(init: { jobName: string; repositoryOrigin: RepositoryPythonOrigin }) {
    initRecord(this, init);
  }
  /** SHA-1 of the serialized origin. */
  getId(): string {
    return createSnapshotId(this);
  }
  get executablePath(): string {
    return this.repositoryOrigin.executablePath;
  }
}
registerRecord(JobPythonOrigin, {
  name: 'JobPythonOrigin',
  storageName: 'PipelinePythonOrigin',
  fields: {
    jobName: { type: t.str, stored: 'pipeline_name' },
    repositoryOrigin: { type: t.record(RepositoryPythonOrigin) },
  },
});

// ---------------------------------------------------------------- code location origins

/** A code location whose gRPC server Dagster starts (stored as `ManagedGrpcPythonEnvRepositoryLocationOrigin`). */
export class ManagedGrpcPythonEnvCodeLocationOrigin {
  declare readonly loadableTargetOrigin: LoadableTargetOrigin;
  declare readonly locationName: string;
  constructor(init: { loadableTargetOrigin: LoadableTargetOrigin; locationName: string }) {
    initRecord(this, init);
  }
}
registerRecord(ManagedGrpcPythonEnvCodeLocationOrigin, {
  name: 'ManagedGrpcPythonEnvCodeLocationOrigin',
  storageName: 'ManagedGrpcPythonEnvRepositoryLocationOrigin',
  fields: { loadableTargetOrigin: { type: t.record(LoadableTargetOrigin) }, locationName: { type: t.str } },
});

/** Init of {@link GrpcServerCodeLocationOrigin}. */
export interface GrpcServerCodeLocationOriginInit {
  host: string;
  port?: number | null;
  socket?: string | null;
  locationName: string;
  useSsl?: boolean | null;
  additionalMetadata?: Readonly<Record<string, unknown>> | null;
}

/** A code location served by a gRPC server the user runs (stored as `GrpcServerRepositoryLocationOrigin`). */
export class GrpcServerCodeLocationOrigin {
  declare readonly host: string;
  declare readonly port: number | null;
  declare readonly socket: string | null;
  declare readonly locationName: string;
  declare readonly useSsl: boolean | null;
  declare readonly additionalMetadata: Readonly<Record<string, unknown>> | null;
  constructor(init: GrpcServerCodeLocationOriginInit) {
    initRecord(this, init);
  }
}
registerRecord(GrpcServerCodeLocationOrigin, {
  name: 'GrpcServerCodeLocationOrigin',
  storageName: 'GrpcServerRepositoryLocationOrigin',
  fields: {
    host: { type: t.str },
    port: { type: t.nullable(t.int) },
    socket: { type: t.nullable(t.str) },
    locationName: { type: t.str },
    useSsl: { type: t.nullable(t.bool), skipWhenEmpty: true },
    additionalMetadata: { type: t.nullable(t.dict()), skipWhenEmpty: true },
  },
});

/** A code location loaded in the current process (stored as `InProcessRepositoryLocationOrigin`). */
export class InProcessCodeLocationOrigin {
  declare readonly loadableTargetOrigin: LoadableTargetOrigin;
  declare readonly locationName: string;
  declare readonly containerImage: string | null;
  declare readonly entryPoint: readonly string[];
  declare readonly containerContext: Readonly<Record<string, unknown>> | null;
  constructor(init: {
    loadableTargetOrigin: LoadableTargetOrigin;
    locationName?: string;
    containerImage?: string | null;
    entryPoint?: readonly string[];
    containerContext?: Readonly<Record<string, unknown>> | null;
  }) {
    initRecord(this, init);
  }
}
registerRecord(InProcessCodeLocationOrigin, {
  name: 'InProcessCodeLocationOrigin',
  storageName: 'InProcessRepositoryLocationOrigin',
  fields: {
    loadableTargetOrigin: { type: t.record(LoadableTargetOrigin) },
    locationName: { type: t.str, default: '<<in_process>>' },
    containerImage: { type: t.nullable(t.str) },
    entryPoint: { type: t.list(t.str), default: () => ['dagster'] },
    containerContext: { type: t.nullable(t.dict()) },
  },
});

/** A code location known only by name (stored as `RegisteredRepositoryLocationOrigin`). */
export class RegisteredCodeLocationOrigin {
  declare readonly locationName: string;
  constructor(init: { locationName: string }) {
    initRecord(this, init);
  }
}
registerRecord(RegisteredCodeLocationOrigin, {
  name: 'RegisteredCodeLocationOrigin',
  storageName: 'RegisteredRepositoryLocationOrigin',
  fields: { locationName: { type: t.str } },
});

/** Any code location origin; each has a `locationName`. */
export type CodeLocationOrigin =
  | ManagedGrpcPythonEnvCodeLocationOrigin
  | GrpcServerCodeLocationOrigin
  | InProcessCodeLocationOrigin
  | RegisteredCodeLocationOrigin;

// ---------------------------------------------------------------- remote origins

/** A repository in a code location (stored as `ExternalRepositoryOrigin`). */
export class RemoteRepositoryOrigin {
  declare readonly codeLocationOrigin: CodeLocationOrigin;
  declare readonly repositoryName: string;
  constructor(init: { codeLocationOrigin: CodeLocationOrigin; repositoryName: string }) {
    initRecord(this, init);
  }
  /** SHA-1 of the serialized origin. */
  getId(): string {
    return createSnapshotId(this);
  }
  getSelector(): RepositorySelector {
    return new RepositorySelector({ locationName: this.codeLocationOrigin.locationName, repositoryName: this.repositoryName });
  }
  getSelectorId(): string {
    return this.getSelector().selectorId;
  }
  /** `<repository>@<location>`, the value of the `.dagster/repository` run tag. */
  getLabel(): string {
    return `${this.repositoryName}@${this.codeLocationOrigin.locationName}`;
  }
  getJobOrigin(jobName: string): RemoteJobOrigin {
    return new RemoteJobOrigin({ repositoryOrigin: this, jobName });
  }
  getInstigatorOrigin(instigatorName: string): RemoteInstigatorOrigin {
    return new RemoteInstigatorOrigin({ repositoryOrigin: this, instigatorName });
  }
  getPartitionSetOrigin(partitionSetName: string): RemotePartitionSetOrigin {
    return new RemotePartitionSetOrigin({ repositoryOrigin: this, partitionSetName });
  }
}
registerRecord(RemoteRepositoryOrigin, {
  name: 'RemoteRepositoryOrigin',
  storageName: 'ExternalRepositoryOrigin',
  fields: {
    codeLocationOrigin: { type: t.any, stored: 'repository_location_origin' },
    repositoryName: { type: t.str },
  },
});

/** A job in a repository (stored as `ExternalPipelineOrigin`). */
export class RemoteJobOrigin {
  declare readonly repositoryOrigin: RemoteRepositoryOrigin;
  declare readonly jobName: string;
  constructor(init: { repositoryOrigin: RemoteRepositoryOrigin; jobName: string }) {
    initRecord(this, init);
  }
  getId(): string {
    return createSnapshotId(this);
  }
  get locationName(): string {
    return this.repositoryOrigin.codeLocationOrigin.locationName;
  }
}
registerRecord(RemoteJobOrigin, {
  name: 'RemoteJobOrigin',
  storageName: 'ExternalPipelineOrigin',
  fields: {
    repositoryOrigin: { type: t.record(RemoteRepositoryOrigin), stored: 'external_repository_origin' },
    jobName: { type: t.str, stored: 'pipeline_name' },
  },
});

/** A schedule or sensor in a repository (stored as `ExternalJobOrigin`, its pre-0.14 name). */
export class RemoteInstigatorOrigin {
  declare readonly repositoryOrigin: RemoteRepositoryOrigin;
  declare readonly instigatorName: string;
  constructor(init: { repositoryOrigin: RemoteRepositoryOrigin; instigatorName: string }) {
    initRecord(this, init);
  }
  /** SHA-1 of the serialized origin: the `job_origin_id` column. */
  getId(): string {
    return createSnapshotId(this);
  }
  getSelector(): InstigatorSelector {
    return new InstigatorSelector({
      locationName: this.repositoryOrigin.codeLocationOrigin.locationName,
      repositoryName: this.repositoryOrigin.repositoryName,
      name: this.instigatorName,
    });
  }
  get locationName(): string {
    return this.repositoryOrigin.codeLocationOrigin.locationName;
  }
}
registerRecord(RemoteInstigatorOrigin, {
  name: 'RemoteInstigatorOrigin',
  storageName: 'ExternalJobOrigin',
  fields: {
    repositoryOrigin: { type: t.record(RemoteRepositoryOrigin), stored: 'external_repository_origin' },
    instigatorName: { type: t.str, stored: 'job_name' },
  },
});

/** A partition set in a repository (stored as `ExternalPartitionSetOrigin`). */
export class RemotePartitionSetOrigin {
  declare readonly repositoryOrigin: RemoteRepositoryOrigin;
  declare readonly partitionSetName: string;
  constructor(init: { repositoryOrigin: RemoteRepositoryOrigin; partitionSetName: string }) {
    initRecord(this, init);
  }
  getId(): string {
    return createSnapshotId(this);
  }
  get selector(): PartitionSetSelector {
    return new PartitionSetSelector({
      locationName: this.repositoryOrigin.codeLocationOrigin.locationName,
      repositoryName: this.repositoryOrigin.repositoryName,
      partitionSetName: this.partitionSetName,
    });
  }
  getSelectorId(): string {
    return createSnapshotId(this.selector);
  }
}
registerRecord(RemotePartitionSetOrigin, {
  name: 'RemotePartitionSetOrigin',
  storageName: 'ExternalPartitionSetOrigin',
  fields: {
    repositoryOrigin: { type: t.record(RemoteRepositoryOrigin), stored: 'external_repository_origin' },
    partitionSetName: { type: t.str },
  },
});
