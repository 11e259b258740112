/* Times and durations for people. */

export function time(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function duration(start: number | null | undefined, end: number | null | undefined, now = Date.now() / 1000): string {
  if (start === null || start === undefined) return '–';
  const total = Math.max(0, (end ?? now) - start);
  if (total < 60) return `${total.toFixed(total < 10 ? 2 : 1)}s`;
  const m = Math.floor(total / 60);
  if (m < 60) return `${m}m ${Math.round(total % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function statusClass(status: string | null | undefined): string {
  return `status status-${(status ?? 'unknown').toLowerCase().replace(/[^a-z_]/g, '')}`;
}
