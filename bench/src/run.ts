/** Runs the selected sections on the selected backends and collects the report. */
import { loadavg } from 'node:os';
import { pgAvailable, testPgUrl } from '@inst/storage-postgres/testing';
import { createBackend, type Backend } from './backends';
import { BACKENDS, SECTIONS, SIZES, type BackendName, type BenchMode, type SectionName } from './config';
import type { SectionContext } from './context';
import { ReadDataset } from './dataset';
import { machineInfo, type BenchFailure, type BenchReport, type BenchResult } from './report';
import { memorySection } from './sections/memory';
import { readsSection } from './sections/reads';
import { runsSection } from './sections/runs';
import { watchSection } from './sections/watch';
import { reliabilitySection } from './sections/reliability';
import { controlPlaneSection } from './sections/control-plane';
import { writesSection } from './sections/writes';
import { now } from './stats';

const SECTION_FNS: Record<SectionName, (ctx: SectionContext) => Promise<void>> = {
  writes: writesSection,
  runs: runsSection,
  reads: readsSection,
  watch: watchSection,
  memory: memorySection,
  reliability: reliabilitySection,
  'control-plane': controlPlaneSection,
};

export const SECTION_TITLES: Record<SectionName, string> = {
  writes: '1. event writes',
  runs: '2. runs',
  reads: '3. reads at scale',
  watch: '4. watch latency',
  memory: '5. memory',
  reliability: '6. reliability costs',
  'control-plane': '7. control plane (package bench scripts)',
};

export interface BenchOptions {
  readonly mode: BenchMode;
  readonly backends?: readonly BackendName[];
  readonly sections?: readonly SectionName[];
  readonly log?: (line: string) => void;
  /** The command line, for the report. */
  readonly command?: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const sizes = SIZES[options.mode];
  const sections = options.sections ?? SECTIONS;
  const results: BenchResult[] = [];
  const failures: BenchFailure[] = [];
  const notes: string[] = [];
  const versions: { sqlite?: string; postgres?: string } = {};
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0]!;
  const start = now();

  for (const name of options.backends ?? BACKENDS) {
    if (name === 'postgres' && !(await pgAvailable())) {
      for (const section of sections) failures.push({ section, backend: name, what: 'everything', error: `no PostgreSQL server at ${testPgUrl().replace(/\/\/[^@]*@/, '//…@')} (set INST_TEST_PG_URL)` });
      continue;
    }
    let backend: Backend | undefined;
    let dataset: Promise<ReadDataset> | undefined;
    try {
      backend = createBackend(name);
      versions[name] = await backend.version();
      log(`\n== ${name}: ${versions[name]}`);
      const ctx: SectionContext = {
        mode: options.mode,
        sizes,
        backend,
        log,
        record: (result) => results.push(result),
        dataset: () => (dataset ??= ReadDataset.open(backend!, sizes.reads)),
      };
      for (const section of sections) {
        log(`-- ${SECTION_TITLES[section]} (${name})`);
        const sectionStart = now();
        try {
          await SECTION_FNS[section](ctx);
        } catch (error) {
          log(`   FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          failures.push({ section, backend: name, what: SECTION_TITLES[section], error: message(error) });
        }
        log(`   (${((now() - sectionStart) / 1000).toFixed(1)} s)`);
      }
    } catch (error) {
      failures.push({ section: sections[0]!, backend: name, what: `setting up ${name}`, error: message(error) });
    } finally {
      if (dataset) await (await dataset.catch(() => undefined))?.close().catch(() => {});
      await backend?.dispose().catch(() => {});
    }
  }

  return {
    mode: options.mode,
    startedAt,
    seconds: (now() - start) / 1000,
    command: options.command ?? '',
    machine: machineInfo({ ...versions, loadAtStart }),
    sizes,
    results,
    failures,
    notes,
  };
}
