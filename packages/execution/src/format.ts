/**
 * Text Dagster puts into event messages, reproduced so stored messages read the same.
 */

/** Python's repr of a float: integral values keep a `.0`. */
function pyFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** Python's `round(value, 2)`, close enough for display. */
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Dagster's `format_duration`: 0.84ms, 533ms, 4.57s, 5m20s, 1h5m. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 10) return `${pyFloat(round2(milliseconds))}ms`;
  if (milliseconds < 1000) return `${Math.trunc(milliseconds)}ms`;
  if (milliseconds < 60_000) return `${pyFloat(round2(milliseconds / 1000))}s`;
  if (milliseconds < 3_600_000) {
    return `${Math.floor(milliseconds / 60_000)}m${Math.floor((milliseconds % 60_000) / 1000)}s`;
  }
  return `${Math.floor(milliseconds / 3_600_000)}h${Math.floor((milliseconds % 3_600_000) / 60_000)}m`;
}

/** Python's repr of a list of strings (`['a', "b's"]`), as Dagster's messages print step keys. */
export function pyStrList(values: readonly string[]): string {
  const repr = (value: string): string => {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`).replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t');
    return `${quote}${body}${quote}`;
  };
  return `[${values.map(repr).join(', ')}]`;
}
