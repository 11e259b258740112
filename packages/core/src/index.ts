export { Instance, type InstanceClass, type InstanceComponents, type InstanceType } from './instance';
export { instanceRefFromDir, instanceHomeFromEnv, type InstanceRef } from './instance-ref';
export { openStorages, type OpenedStorages, type StorageTarget } from './storages';
export type { StorageName } from './arguments';
export { defaultInstanceLogger, type InstanceOptions, type LogFn, type Logger } from './logger';
export * from './namespaces/index';
// The helper types the facade's and the namespaces' signatures are written with (named for what they are).
export type { Rest as DomainFunctionArguments } from './instance';
export type { P as FlatMemberParameters, R as FlatMemberResult, Positional as PositionalForm } from './namespaces/support';
export { daemonsJson, LEVELS, levelName, levelNumber, runJson, type DaemonJson, type RunJson } from './record-json';
