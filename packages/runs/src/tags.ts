/**
 * Run tag helpers: Dagster's legacy `normalize_tags` and the tag sets re-execution uses.
 */
import { InvalidArgumentError } from '@inst/errors';
import { pyFloatRepr, pyJsonString } from '@inst/serdes';
import { RUN_TAGS } from '@inst/types';

/** Tags of the airflow ingestion (Dagster's `_core/instance/utils.py`). */
export const AIRFLOW_EXECUTION_DATE_STR = 'airflow_execution_date';
export const IS_AIRFLOW_INGEST_PIPELINE_STR = 'is_airflow_ingest_pipeline';

/** Backfill tags (`BACKFILL_TAGS`): kept on a re-execution only while the backfill is still REQUESTED. */
export const BACKFILL_TAGS: ReadonlySet<string> = new Set([RUN_TAGS.BACKFILL_ID, RUN_TAGS.PARENT_BACKFILL_ID, RUN_TAGS.ROOT_BACKFILL_ID]);

/** Tags of a parent run not copied to a re-execution (`TAGS_TO_MAYBE_OMIT_ON_RETRY`). */
export const TAGS_TO_MAYBE_OMIT_ON_RETRY: ReadonlySet<string> = new Set([
  `${RUN_TAGS.HIDDEN_TAG_PREFIX}run_metrics`,
  `${RUN_TAGS.SYSTEM_TAG_PREFIX}run_metrics`,
  RUN_TAGS.RUN_FAILURE_REASON,
  RUN_TAGS.RETRY_NUMBER,
  RUN_TAGS.RESUME_RETRY,
  RUN_TAGS.WILL_RETRY,
  RUN_TAGS.AUTO_RETRY_RUN_ID,
  ...BACKFILL_TAGS,
]);

/**
 * Dagster's legacy `normalize_tags`: string values are kept, any other value becomes its JSON text as Python's
 * `json.dumps` writes it (`{"a": 1}`), provided it reads back equal. Throws InvalidArgumentError otherwise.
 */
export function normalizeTags(tags: Readonly<Record<string, unknown>> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (typeof value === 'string') {
      out[key] = value;
      continue;
    }
    const text = pyJsonDumps(value);
    if (text === undefined) {
      throw new InvalidArgumentError(
        `Invalid value for tag "${key}", Could not JSON encode value "${String(value)}". Tag values must be strings or meet the constraint that json.loads(json.dumps(value)) == value.`,
      );
    }
    out[key] = text;
  }
  return out;
}

/** Python's `json.dumps(value)` (insertion order, `", "` / `": "`), or undefined for a value JSON cannot hold. */
function pyJsonDumps(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return pyJsonString(value);
    case 'number':
      // NaN / Infinity do not read back equal; integral numbers are written as Python ints.
      if (!Number.isFinite(value)) return undefined;
      return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
    case 'object': {
      if (Array.isArray(value)) {
        const items = value.map(pyJsonDumps);
        return items.includes(undefined) ? undefined : `[${items.join(', ')}]`;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        const text = pyJsonDumps(v);
        if (text === undefined) return undefined;
        parts.push(`${pyJsonString(k)}: ${text}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      return undefined;
  }
}
