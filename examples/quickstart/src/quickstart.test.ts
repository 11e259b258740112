import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runQuickstart } from './quickstart';

describe('the README main job', () => {
  it('runs the job twice on a SQLite home, streaming every event, one success and one failure', async () => {
    const home = mkdtempSync(join(tmpdir(), 'inst-quickstart-'));
    try {
      const lines: string[] = [];
      const results = await runQuickstart(home, (line) => lines.push(line));
      expect(results.map((r) => r.status)).toEqual(['SUCCESS', 'FAILURE']);
      expect(results[0]!.stepsSucceeded).toBe(2);
      expect(results[1]!.stepsFailed).toBe(1);
      for (const r of results) expect(r.streamed).toBeGreaterThan(5);
      expect(lines.some((l) => l.includes('STEP_FAILURE [warehouse__squares]'))).toBe(true);
      expect(lines.at(-1)).toContain('2 runs in');
      // Dagster's on-disk layout.
      expect(existsSync(join(home, 'history', 'runs.db'))).toBe(true);
      expect(existsSync(join(home, 'history', 'runs', 'index.db'))).toBe(true);
      expect(existsSync(join(home, 'history', 'runs', `${results[0]!.runId}.db`))).toBe(true);
      // The step's stdout, captured to Dagster's compute log layout.
      const logs = join(home, 'storage', results[0]!.runId, 'compute_logs');
      const out = readdirSync(logs).filter((name) => name.endsWith('.out')).map((name) => readFileSync(join(logs, name), 'utf8'));
      expect(out).toContain('extract: computing 5 squares\n');
      expect(lines.some((l) => l.includes('LOGS_CAPTURED'))).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
