/**
 * The harness at its smallest size: every section produces its figures on SQLite (and on Postgres when a
 * server is reachable). No timing is asserted — only that everything was measured.
 */
import { serializeValue } from '@inst/serdes';
import { pgAvailable } from '@inst/storage-postgres/testing';
import { describe, expect, it } from 'vitest';
import { SECTIONS, type BackendName } from './config';
import { RowTemplates, TEMPLATE_OBJECTS, eventRow, newRunId } from './data';
import { formatMarkdownTable, formatTable } from './report';
import { runBench } from './run';

/** Results each section records per backend. */
/** The control-plane section runs the packages' scripts, skipped at tiny sizes. */
const EXPECTED_PER_SECTION = { writes: 3, runs: 3, reads: 4, watch: 2, memory: 2, reliability: 1, 'control-plane': 0 } as const;
/** Postgres also reports the cost of the per-run write lock (one writer, several) and of gap-free all-runs watching. */
const EXTRA_ON_POSTGRES: Partial<Record<keyof typeof EXPECTED_PER_SECTION, number>> = { reliability: 3 };

describe('row templates', () => {
  it('fill in rows byte-identical to serializing each object with the real serdes', () => {
    const templates = new RowTemplates();
    const runId = newRunId();
    for (const i of [0, 1, 2, 3, 4, 999, 1000, 123_457]) {
      const ts = 1_731_000_000 + i / 1000;
      expect(templates.streamRow(runId, i, ts)).toEqual(eventRow(TEMPLATE_OBJECTS.streamEntry(runId, i, ts)));
    }
    for (const [asset, version] of [
      [0, 0],
      [42, 3],
      [9_999, 19],
    ] as const) {
      const ts = 1_731_000_000 + version * 3600 + asset / 1000;
      const entry = TEMPLATE_OBJECTS.materialization(runId, asset, ts, version);
      expect(templates.materializationRow(runId, asset, ts, version)).toEqual(eventRow(entry));
    }
    for (const i of [0, 57, 99_999]) expect(templates.runBody(runId, i)).toBe(serializeValue(TEMPLATE_OBJECTS.run(runId, i)));
  });
});

describe('the benchmark harness (tiny sizes)', () => {
  it('measures every section on every reachable backend', { timeout: 180_000 }, async () => {
    const backends: BackendName[] = (await pgAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
    const report = await runBench({ mode: 'tiny', backends });
    expect(report.failures).toEqual([]);
    for (const backend of backends) {
      for (const section of SECTIONS) {
        const results = report.results.filter((r) => r.backend === backend && r.section === section);
        expect(results.length, `${backend} ${section}`).toBe(EXPECTED_PER_SECTION[section] + (backend === 'postgres' ? (EXTRA_ON_POSTGRES[section] ?? 0) : 0));
        for (const result of results) {
          if (result.kind === 'throughput') expect(result.inst).toBeGreaterThan(0);
          if (result.kind === 'latency') expect(result.inst.n).toBeGreaterThan(0);
          if (result.kind === 'memory') expect(result.events).toBeGreaterThan(0);
          expect(result.kind === 'memory' ? result.rawMb : result.raw, `${backend} ${result.name}: raw side`).not.toBeNull();
        }
      }
    }
    expect(formatTable(report.results).split('\n')).toHaveLength(report.results.length + 2);
    expect(formatMarkdownTable(report.results)).toContain('| writes | sqlite |');
  });
});
