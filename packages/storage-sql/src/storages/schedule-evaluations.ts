import { InvalidArgumentError } from '@inst/errors';
import { UnknownRecord } from '@inst/serdes';
import { AssetCheckKey, AssetKey, type EntityKey } from '@inst/types';

/*
 * Automation condition evaluations are stored as serdes values that @inst/types has no classes for
 * (they come back from serdes as UnknownRecords). What the `asset_daemon_asset_evaluations` row needs of
 * one is read here from its stored fields:
 * - `AssetConditionEvaluationWithRunIds` (Dagster's AutomationConditionEvaluationWithRunIds): the key is
 *   `evaluation.true_subset.asset_key`, num_requested is the size of `evaluation.true_subset` (what
 *   Dagster writes; it leaves num_skipped and num_discarded NULL);
 * - the legacy `AutoMaterializeAssetEvaluation`: `asset_key` and its own num_requested / num_skipped /
 *   num_discarded fields.
 * A registered record class (should @inst/types add one) is read through its camelCase properties.
 */

/** The columns of an evaluation row besides its body. */
export interface EvaluationColumns {
  /** The entity key's `toDbString()`: an asset key, or an asset check key (stored under the check key). */
  readonly assetKey: string;
  readonly numRequested: number | null;
  readonly numSkipped: number | null;
  readonly numDiscarded: number | null;
}

/** Reads the key and counts of an evaluation; InvalidArgumentError when it names no asset or check key. */
export function evaluationColumns(evaluation: unknown): EvaluationColumns {
  const key = entityKeyOf(evaluation, 0);
  if (key === null) throw new InvalidArgumentError('An automation condition evaluation must name an asset key or asset check key');
  return {
    assetKey: key.toDbString(),
    numRequested: countField(evaluation, 'num_requested') ?? subsetSize(trueSubsetOf(evaluation)),
    numSkipped: countField(evaluation, 'num_skipped'),
    numDiscarded: countField(evaluation, 'num_discarded'),
  };
}

const camelCase = (stored: string): string => stored.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** A field by its stored name: of an UnknownRecord, or the camelCase property of a registered record. */
function fieldOf(value: unknown, stored: string): unknown {
  if (value instanceof UnknownRecord) return value.fields[stored];
  if (typeof value === 'object' && value !== null) return (value as Record<string, unknown>)[camelCase(stored)];
  return undefined;
}

function entityKeyOf(value: unknown, depth: number): EntityKey | null {
  if (value instanceof AssetKey || value instanceof AssetCheckKey) return value;
  if (depth > 3) return null;
  // WithRunIds → evaluation → true_subset → asset_key; a legacy evaluation has asset_key itself.
  for (const field of ['asset_key', 'key', 'evaluation', 'true_subset']) {
    const found = entityKeyOf(fieldOf(value, field), depth + 1);
    if (found !== null) return found;
  }
  return null;
}

function countField(value: unknown, stored: string): number | null {
  const count = fieldOf(value, stored);
  return typeof count === 'number' && Number.isInteger(count) ? count : null;
}

function trueSubsetOf(evaluation: unknown): unknown {
  return fieldOf(fieldOf(evaluation, 'evaluation') ?? evaluation, 'true_subset');
}

/** SerializableEntitySubset.size where the stored value tells it: a bool, or a partitions subset that counts itself. */
function subsetSize(subset: unknown): number | null {
  const value = fieldOf(subset, 'value');
  if (typeof value === 'boolean') return value ? 1 : 0;
  const keys = fieldOf(value, 'subset');
  if (keys instanceof Set) return keys.size;
  if (Array.isArray(keys)) return keys.length;
  return countField(value, 'num_partitions');
}
