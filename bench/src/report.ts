import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BackendName, BenchMode, SectionName } from './config';
import type { Latency } from './stats';

/** How a figure compares with its target. */
export interface Target {
  readonly text: string;
  /** null when it could not be judged (e.g. the raw side failed). */
  readonly met: boolean | null;
}

/** A throughput (events/s, runs/s): higher is better; ratio = inst / raw. */
export interface ThroughputResult {
  readonly kind: 'throughput';
  readonly section: SectionName;
  readonly backend: BackendName;
  readonly name: string;
  readonly unit: string;
  readonly inst: number;
  readonly raw: number | null;
  /** inst / raw: the fraction of the raw driver's throughput. */
  readonly ratio: number | null;
  readonly rawName?: string;
  readonly target?: Target;
  readonly note?: string;
}

/** A latency distribution (ms): lower is better; ratio = inst p50 / raw p50. */
export interface LatencyResult {
  readonly kind: 'latency';
  readonly section: SectionName;
  readonly backend: BackendName;
  readonly name: string;
  readonly inst: Latency;
  readonly raw: Latency | null;
  /** inst p50 / raw p50: how many times the raw driver's latency. */
  readonly ratio: number | null;
  /** For reads: inst p50 at full size / inst p50 at a tenth; raw likewise. */
  readonly growth?: { readonly inst: number; readonly raw: number | null; readonly from: Latency; readonly rawFrom: Latency | null };
  readonly rawName?: string;
  readonly target?: Target;
  readonly note?: string;
}

/** A memory figure (MB of peak RSS growth): lower is better; ratio = inst / raw. */
export interface MemoryResult {
  readonly kind: 'memory';
  readonly section: SectionName;
  readonly backend: BackendName;
  readonly name: string;
  readonly instMb: number;
  readonly rawMb: number | null;
  readonly ratio: number | null;
  /** Events read, and how long it took. */
  readonly events: number;
  readonly instSeconds: number;
  readonly rawSeconds: number | null;
  readonly rawName?: string;
  readonly target?: Target;
  readonly note?: string;
}

export type BenchResult = ThroughputResult | LatencyResult | MemoryResult;

/** Something that could not be measured, and why. */
export interface BenchFailure {
  readonly section: SectionName;
  readonly backend: BackendName;
  readonly what: string;
  readonly error: string;
}

export interface BenchReport {
  readonly mode: BenchMode;
  readonly startedAt: string;
  readonly seconds: number;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly sizes: unknown;
  readonly results: BenchResult[];
  readonly failures: BenchFailure[];
  /** How each backend was set up (e.g. how the Postgres storages were built). */
  readonly notes: string[];
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine skews figures). */
  readonly loadAverage: { readonly start: number; readonly end?: number };
  readonly sqlite?: string;
  readonly postgres?: string;
}

export function machineInfo(extra: { sqlite?: string; postgres?: string; loadAtStart?: number } = {}): MachineInfo {
  const { loadAtStart, ...versions } = extra;
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: { start: loadAtStart ?? loadavg()[0]!, end: loadavg()[0]! },
    ...versions,
  };
}

// ------------------------------------------------------------------------------------------------ formatting

function fmtNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function fmtMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 1) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

function fmtRatio(value: number | null, suffix = '×'): string {
  return value === null || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(2)}${suffix}`;
}

function fmtTarget(target: Target | undefined): string {
  if (!target) return '';
  const mark = target.met === null ? '?' : target.met ? 'met' : 'MISSED';
  return `${target.text} — ${mark}`;
}

/** One table row per result: section, backend, measure, instance, raw, inst/raw, growth (reads), target. */
export function tableRows(results: readonly BenchResult[]): string[][] {
  return results.map((r) => {
    switch (r.kind) {
      case 'throughput':
        return [r.section, r.backend, r.name, `${fmtNumber(r.inst)} ${r.unit}`, r.raw === null ? 'n/a' : `${fmtNumber(r.raw)} ${r.unit}`, fmtRatio(r.ratio), '', fmtTarget(r.target)];
      case 'latency':
        return [
          r.section,
          r.backend,
          r.name,
          `p50 ${fmtMs(r.inst.p50)} / p99 ${fmtMs(r.inst.p99)}`,
          r.raw ? `p50 ${fmtMs(r.raw.p50)} / p99 ${fmtMs(r.raw.p99)}` : 'n/a',
          fmtRatio(r.ratio),
          r.growth ? `${fmtRatio(r.growth.inst)} (raw ${fmtRatio(r.growth.raw)})` : '',
          fmtTarget(r.target),
        ];
      case 'memory':
        return [
          r.section,
          r.backend,
          r.name,
          `${fmtNumber(r.instMb)} MB (${r.events.toLocaleString('en-US')} ev, ${r.instSeconds.toFixed(1)} s)`,
          r.rawMb === null ? 'n/a' : `${fmtNumber(r.rawMb)} MB (${(r.rawSeconds ?? 0).toFixed(1)} s)`,
          fmtRatio(r.ratio),
          '',
          fmtTarget(r.target),
        ];
    }
  });
}

export const TABLE_HEADER = ['section', 'backend', 'measure', 'instance', 'raw driver', 'inst/raw', 'growth ×10 data', 'target'];

/** A plain-text table. */
export function formatTable(results: readonly BenchResult[]): string {
  const rows = [TABLE_HEADER, ...tableRows(results)];
  const widths = TABLE_HEADER.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n');
}

/** The same table in Markdown. */
export function formatMarkdownTable(results: readonly BenchResult[]): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|');
  const rows = tableRows(results);
  return [
    `| ${TABLE_HEADER.join(' | ')} |`,
    `|${TABLE_HEADER.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Writes the report as `results/<timestamp>.json` under `dir`; returns the path. */
export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
