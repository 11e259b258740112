/**
 * `pnpm bench [--quick] [--backend=sqlite,postgres] [--section=writes,runs,reads,watch,memory,reliability,control-plane] [--no-json]`
 *
 * Prints the table and writes the report to `bench/results/<timestamp>.json`.
 */
import { fileURLToPath } from 'node:url';
import { BACKENDS, SECTIONS, type BackendName, type BenchMode, type SectionName } from './config';
import { formatTable, writeReport } from './report';
import { runBench } from './run';

function parseList<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} ${JSON.stringify(item)} (one of ${allowed.join(', ')})`);
  return items as T[];
}

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
for (const arg of args) {
  if (!/^--(quick|tiny|no-json|backend=.*|section=.*)$/.test(arg)) {
    console.error(`unknown argument ${arg}\nusage: pnpm bench [--quick] [--backend=sqlite,postgres] [--section=${SECTIONS.join(',')}] [--no-json]`);
    process.exit(2);
  }
}
const mode: BenchMode = args.includes('--tiny') ? 'tiny' : args.includes('--quick') ? 'quick' : 'full';
const backends = parseList<BackendName>(option('backend'), BACKENDS, 'backend');
const sections = parseList<SectionName>(option('section'), SECTIONS, 'section');
const command = ['pnpm bench', ...args].join(' ');

console.log(`inst benchmark — ${mode} mode (${command})`);
const report = await runBench({ mode, backends, sections, command, log: (line) => console.log(line) });

console.log(`\n${formatTable(report.results)}\n`);
console.log('inst/raw: for throughput the fraction of the raw driver\'s rate (1.00 = as fast); for latency and memory how many times the raw figure.');
for (const note of report.notes) console.log(`note: ${note}`);
for (const result of report.results) if (result.note) console.log(`note (${result.backend}, ${result.name}): ${result.note}`);
for (const failure of report.failures) console.log(`NOT MEASURED (${failure.backend}, ${failure.what}): ${failure.error}`);
if (!args.includes('--no-json')) {
  const path = writeReport(fileURLToPath(new URL('../results/', import.meta.url)), report);
  console.log(`\nreport: ${path}`);
}
console.log(`done in ${report.seconds.toFixed(1)} s`);
process.exit(report.failures.some((f) => f.backend === 'sqlite') ? 1 : 0);
