/** Test support: the snapshots of the real Dagster fixtures, and a structural diff of two JSON documents. */
import { inflateSync } from 'node:zlib';
import { decodeBytea, loadDump, type DumpVersion } from '@inst/fixtures';

/** The stored snapshots of a fixture dump: id → { type, body }. */
export function fixtureSnapshots(version: DumpVersion): Map<string, { type: string; body: string }> {
  const out = new Map<string, { type: string; body: string }>();
  for (const row of loadDump(version).table('snapshots').rows) {
    out.set(row.snapshot_id!, { type: row.snapshot_type!, body: inflateSync(decodeBytea(row.snapshot_body!)).toString('utf8') });
  }
  return out;
}

/** Paths where two JSON values differ: `+path` only in a, `-path` only in b, `~path` different values. */
export function jsonDiff(a: unknown, b: unknown, path = '$'): string[] {
  if (a === b) return [];
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return [`~${path}`];
  if (Array.isArray(a) !== Array.isArray(b)) return [`~${path}`];
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return [`~${path}(length ${a.length} vs ${bb.length})`];
    return a.flatMap((v, i) => jsonDiff(v, bb[i], `${path}[${i}]`));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const out: string[] = [];
  for (const key of Object.keys(ao)) out.push(...(key in bo ? jsonDiff(ao[key], bo[key], `${path}.${key}`) : [`+${path}.${key}`]));
  for (const key of Object.keys(bo)) if (!(key in ao)) out.push(`-${path}.${key}`);
  return out;
}
