export { Instance, type InstanceClass, type InstanceComponents, type InstanceType } from './instance';
export { instanceRefFromDir, instanceHomeFromEnv, type InstanceRef } from './instance-ref';
export { openStorages, type OpenedStorages, type StorageTarget } from './storages';
export type { StorageName } from './arguments';
export { defaultInstanceLogger, type InstanceOptions, type LogFn, type Logger } from './logger';
export * from './namespaces/index';
export { daemonsJson, LEVELS, levelName, levelNumber, runJson, type DaemonJson, type RunJson } from './record-json';
