import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runQuickstart } from './quickstart';

describe('the README main job', () => {
  it(
    'submits two runs of a code location job; the daemon host launches each in its own process; one succeeds, one fails',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'inst-quickstart-'));
      try {
        const lines: string[] = [];
        const { runs: results, ui } = await runQuickstart(home, (line) => lines.push(line));
        expect(results.map((r) => r.status)).toEqual(['SUCCESS', 'FAILURE']);
        expect(results[0]!.stepsSucceeded).toBe(2);
        expect(results[1]!.stepsFailed).toBe(1);
        for (const r of results) {
          expect(r.streamed).toBeGreaterThan(5);
          // Executed by a run worker: another OS process than this one.
          expect(r.workerPid).not.toBeNull();
          expect(r.workerPid).not.toBe(process.pid);
        }
        expect(lines.filter((l) => l.includes('submitted (QUEUED)'))).toHaveLength(2);
        expect(lines.some((l) => l.includes('PIPELINE_ENQUEUED'))).toBe(true);
        expect(lines.some((l) => l.includes('STEP_FAILURE [warehouse__squares]'))).toBe(true);
        expect(lines.at(-1)).toContain('2 runs in');
        // The web UI served the same instance while the daemon host ran: both runs, and the daemons' heartbeats.
        expect(new Set(ui.runIds)).toEqual(new Set(results.map((r) => r.runId)));
        expect(ui.daemons.find((d) => d.daemonType === 'QUEUED_RUN_COORDINATOR')).toBeDefined();
        expect(lines.some((l) => l.startsWith('web UI: http://127.0.0.1:'))).toBe(true);
        // Dagster's on-disk layout.
        expect(existsSync(join(home, 'history', 'runs.db'))).toBe(true);
        expect(existsSync(join(home, 'history', 'runs', 'index.db'))).toBe(true);
        expect(existsSync(join(home, 'history', 'runs', `${results[0]!.runId}.db`))).toBe(true);
        // The step's stdout, captured by the run worker to Dagster's compute log layout.
        const logs = join(home, 'storage', results[0]!.runId, 'compute_logs');
        const out = readdirSync(logs).filter((name) => name.endsWith('.out')).map((name) => readFileSync(join(logs, name), 'utf8'));
        expect(out.join('')).toContain(`extract: computing 5 squares in process ${results[0]!.workerPid}`);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
