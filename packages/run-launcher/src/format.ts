/**
 * Text Dagster puts into event messages (kept in `@inst/execution`, which writes the step events).
 */
export { formatDuration, pyStrList } from '@inst/execution';
