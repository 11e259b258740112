export type { StorageInstanceOps } from './ops';
export {
  getDynamicPartitions,
  getPaginatedDynamicPartitions,
  hasDynamicPartition,
  getDynamicPartitionsDefinitionId,
  addDynamicPartitions,
  deleteDynamicPartition,
} from './partitions';
export { upgrade, optimizeForWebserver, reindex, wipe, schemaStr, storageDirectory, fileManagerDirectory, schedulesDirectory } from './maintenance';
export { storeDagsterEvent } from './store-event';
