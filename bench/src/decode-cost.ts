/**
 * `tsx --conditions=@inst/source src/decode-cost.ts`: the cost of reading one stored event, per record —
 * `JSON.parse` against `deserializeValue` — for the event shapes the read benchmarks load.
 */
import { deserializeValue, serializeValue } from '@inst/serdes';
import { EventLogEntry } from '@inst/types';
import { assetKeyOf, materializationEntry, newRunId, streamEntry } from './data';
import { now } from './stats';

const runId = newRunId();
const shapes: Record<string, string[]> = {
  step: Array.from({ length: 1000 }, (_, i) => serializeValue(streamEntry(runId, i))),
  materialization: Array.from({ length: 1000 }, (_, i) => serializeValue(materializationEntry(runId, assetKeyOf(i), 1.7e9 + i, i, `v${i}`))),
};
/** Reads every member, all the way down. */
function touch(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) for (const key of Object.keys(value)) touch((value as Record<string, unknown>)[key]);
  return value;
}
const rounds = Number(process.argv[2] ?? 20);
for (const [name, docs] of Object.entries(shapes)) {
  for (const [label, read] of [
    ['JSON.parse', (s: string) => JSON.parse(s) as unknown],
    ['deserializeValue', (s: string) => deserializeValue(s, { as: EventLogEntry })],
    ['lazy', (s: string) => deserializeValue(s, { as: EventLogEntry, lazy: true })],
    // Lazy, then every field read (what a caller that opens the whole payload pays).
    ['lazy, all read', (s: string) => touch(deserializeValue(s, { as: EventLogEntry, lazy: true }))],
  ] as const) {
    for (const d of docs) read(d);
    const t = now();
    for (let r = 0; r < rounds; r++) for (const d of docs) read(d);
    const us = ((now() - t) * 1000) / (rounds * docs.length);
    console.log(`${name.padEnd(16)} ${label.padEnd(18)} ${us.toFixed(2)} µs/record (${docs[0]!.length} B)`);
  }
}
