export type { StorageInstanceOps } from './ops';
export {
  getDynamicPartitions,
  getPaginatedDynamicPartitions,
  hasDynamicPartition,
  getDynamicPartitionsDefinitionId,
  addDynamicPartitions,
  deleteDynamicPartition,
  type PartitionsStorageOps,
} from './partitions';
export { upgrade, optimizeForWebserver, reindex, wipe, schemaStr, storageDirectory, fileManagerDirectory, schedulesDirectory, type MaintenanceStorageOps } from './maintenance';
export { storeDagsterEvent } from './store-event';
