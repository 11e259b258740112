/**
 * Section 7 — control-plane figures (issue 18): the packages' own bench scripts, run as child processes, their
 * figures reported beside the storage ones (no raw side: these are end-to-end rates and latencies).
 *
 * Agreement with the scripts' owners: a script prints its figures on stdout as JSON objects, one per line, the
 * last stdout line being one JSON object; other lines are ignored. A figure is read tolerantly: `runsPerSecond`
 * (or any `…PerSecond` number) is a throughput; `p50`/`p99` (ms) or `p50Seconds`/`p99Seconds` a latency; other
 * JSON lines (summaries) are logged only. A script that fails or prints no JSON line is reported as not measured;
 * one that does not exist (yet) is skipped.
 *
 * Quick mode runs small sizes (about 30–60 s in all); tiny mode (the vitest smoke test) skips the section.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../config';
import type { SectionContext } from '../context';

const PACKAGES = fileURLToPath(new URL('../../../packages/', import.meta.url));

interface Script {
  readonly pkg: string;
  readonly file: string;
  readonly what: string;
  /** Arguments and environment for the mode; null: skip in this mode. */
  args(mode: 'full' | 'quick', backend: BackendName): { argv: string[]; env?: Record<string, string> } | null;
  /** Runs once (in the SQLite pass) and reports for every backend itself. */
  readonly once?: boolean;
}

const SCRIPTS: readonly Script[] = [
  { pkg: 'run-queue', file: 'bench/dequeue-throughput.ts', what: 'run queue dequeue', once: true, args: (mode) => ({ argv: [], env: { RUNS: mode === 'quick' ? '200' : '5000', MODES: 'default' } }) },
  { pkg: 'code-location', file: 'bench/launch-latency.ts', what: 'launch submit → RUN_START', once: true, args: (mode) => ({ argv: mode === 'quick' ? ['5'] : ['30'] }) },
  { pkg: 'daemon-host', file: 'bench/backfill-rate.ts', what: 'backfill run creation', args: (mode, backend) => ({ argv: ['--partitions', mode === 'quick' ? '100' : '2000', '--backend', backend] }) },
  { pkg: 'daemon-host', file: 'bench/scheduler-lateness.ts', what: 'scheduler tick lateness', args: (mode, backend) => (mode === 'quick' ? null : { argv: ['--schedules', '50', '--minutes', '5', '--backend', backend] }) },
  // The UI's benches drive Chromium; they run in the full bench only, so CI's quick pass does not depend on a browser.
  { pkg: 'ui', file: 'bench/event-latency.ts', what: 'UI event latency', once: true, args: (mode) => (mode === 'quick' ? null : { argv: [] }) },
  { pkg: 'ui', file: 'bench/big-instance.ts', what: 'UI on a big instance', once: true, args: (mode) => (mode === 'quick' ? null : { argv: [] }) },
];

/** Every stdout line that is a JSON object. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(value as Record<string, unknown>);
    } catch {
      // not a figure line
    }
  }
  return out;
}

function run(cwd: string, file: string, argv: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@inst/source', file, ...argv], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${file} ended with ${signal ?? `code ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export async function controlPlaneSection(ctx: SectionContext): Promise<void> {
  if (ctx.mode === 'tiny') return;
  const mode = ctx.mode;
  const backend = ctx.backend.name;
  const problems: string[] = [];
  for (const script of SCRIPTS) {
    if (script.once && backend !== 'sqlite') continue;
    const cwd = `${PACKAGES}${script.pkg}`;
    if (!existsSync(`${cwd}/${script.file}`)) {
      ctx.log(`  ${script.pkg}/${script.file}: not there, skipped`);
      continue;
    }
    const args = script.args(mode, backend);
    if (!args) continue;
    let stdout: string;
    try {
      stdout = await run(cwd, script.file, args.argv, args.env ?? {}, mode === 'quick' ? 60_000 : 600_000);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    const figures = jsonLines(stdout);
    if (figures.length === 0) problems.push(`${script.file}: no JSON figure line on stdout`);
    for (const f of figures) {
      const label = String(f.case ?? f.backend ?? '');
      const figureBackend: BackendName = /postgres/i.test(label) ? 'postgres' : /sqlite/i.test(label) ? 'sqlite' : backend;
      const name = `${script.what}${label ? `, ${label}` : ''}`;
      const note = `${script.pkg}/${script.file}: ${JSON.stringify(f)}`;
      const rateKey = Object.keys(f).find((k) => /persecond$/i.test(k) && num(f[k]) !== null);
      if (rateKey) {
        ctx.record({ kind: 'throughput', section: 'control-plane', backend: figureBackend, name, unit: rateKey === 'runsPerSecond' ? 'runs/s' : rateKey, inst: num(f[rateKey])!, raw: null, ratio: null, note });
        continue;
      }
      const scale = num(f.p50Seconds) !== null ? 1000 : 1;
      const p50 = num(f.p50) ?? num(f.p50Seconds);
      const p99 = num(f.p99) ?? num(f.p99Seconds);
      if (p50 !== null && p99 !== null) {
        const max = num(f.max) ?? num(f.maxSeconds) ?? p99;
        const n = num(f.runs) ?? num(f.ticks) ?? num(f.n) ?? 0;
        ctx.record({ kind: 'latency', section: 'control-plane', backend: figureBackend, name, inst: { p50: p50 * scale, p99: p99 * scale, max: max * scale, n }, raw: null, ratio: null, note });
      } else ctx.log(`  ${script.file}: a JSON line without a rate or p50/p99, not reported: ${JSON.stringify(f)}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join(' | '));
}
