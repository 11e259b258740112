/**
 * What run creation needs of an asset graph. Dagster passes a Python `BaseAssetGraph`; inst has no asset
 * definitions of its own, so callers that know their assets' partitions describe them with these small shapes.
 * Without an asset graph, runs are still created; only the partition-range and execution-type details below
 * are skipped.
 */
import type { AssetKey } from '@inst/types';

/** A partitions definition, as far as run creation uses it. */
export interface RunPartitionsDefinition {
  /** The keys from `start` to `end` inclusive (Dagster's `get_partition_keys_in_range`). */
  getPartitionKeysInRange(start: string, end: string): readonly string[] | Promise<readonly string[]>;
  /**
   * False for function-based dynamic partitions (a `DynamicPartitionsDefinition` without a name), which cannot
   * be targeted by a partition range. Default true.
   */
  readonly supportsRanges?: boolean;
  /**
   * A serializable `PartitionsSubset` (a serdes record) of the keys. When given, and the event log storage
   * declares `supportsPartitionSubsetInAssetMaterializationPlannedEvents`, a ranged run writes one planned event
   * with the subset instead of one per partition.
   */
  subsetWithPartitionKeys?(keys: readonly string[]): unknown;
  /**
   * The compact subset stored on the run (`DagsterRun.partitionsSubset`) for a partition range — a time-window
   * subset, or a key-ranges subset of named dynamic partitions; undefined for kinds Dagster does not store.
   */
  runPartitionsSubset?(start: string, end: string): unknown;
}

/** An asset of the graph. */
export interface RunAssetNode {
  readonly partitionsDef?: RunPartitionsDefinition | null;
  /**
   * The asset's `AssetExecutionType` (`MATERIALIZATION`, `OBSERVATION` or `UNEXECUTABLE`, or the serdes enum
   * value), written onto plan outputs that lack one (snapshots made by older Dagster versions).
   */
  readonly executionType?: unknown;
}

/** Dagster's `BaseAssetGraph` as run creation uses it: the node of an asset key, or undefined when absent. */
export interface RunAssetGraph {
  get(assetKey: AssetKey): RunAssetNode | undefined;
}
