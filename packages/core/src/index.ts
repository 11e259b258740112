export { Instance, type InstanceClass, type InstanceComponents, type InstanceType } from './instance';
export { instanceRefFromDir, instanceHomeFromEnv, type InstanceRef } from './instance-ref';
export { openStorages, type OpenedStorages, type StorageTarget } from './storages';
