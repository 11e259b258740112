/**
 * `tsx --conditions=@inst/source src/read-profile.ts [records|latest] [sqlite|postgres] [out.cpuprofile]`: a CPU
 * profile of the instance side of one read of section 3 alone (the data set is loaded before the profiler starts),
 * for `src/cpuprofile-summary.ts`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createBackend } from './backends';
import type { BackendName } from './config';
import { openReadCases } from './read-cases';

const which = process.argv[2] ?? 'records';
const backendName = (process.argv[3] ?? 'sqlite') as BackendName;
const out = process.argv[4] ?? `results/profiles/read-${which}-${backendName}.cpuprofile`;
const backend = createBackend(backendName);
try {
  const { dataset, records, latest } = await openReadCases(backend);
  const read = which === 'records' ? records.inst : latest.inst;
  for (let i = 0; i < 20; i++) await read();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  for (let i = 0; i < 200; i++) await read();
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
  session.disconnect();
  await dataset.close();
  console.log(JSON.stringify({ which, backend: backendName, profile: out }));
} finally {
  await backend.dispose();
}
