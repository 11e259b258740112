/** The prose of the README's "Namespaced API" section, above the generated table. */
export const NAMESPACED_API_SECTION = `## Namespaced API

Besides the flat Dagster-compatible members (\`instance.getRuns(filters, cursor, limit)\`), every domain has a
namespace whose methods take one options object with camelCase names, or the one id or record they need:

\`\`\`ts
import { Instance } from '@inst/core';

const instance = await Instance.ephemeral();
try {
  const run = await instance.runs.create({ jobName: 'etl', tags: { team: 'data' } });
  console.log((await instance.runs.get(run.runId))?.jobName);
  console.log((await instance.runs.list({ filters: { tags: { team: 'data' } }, limit: 10 })).length);
  for await (const each of instance.runs.iterate({ pageSize: 100, signal: AbortSignal.timeout(10_000) })) console.log(each.runId);
  await instance.storage.upgrade({ onProgress: (p) => console.log(\`\${p.step} \${p.completed}/\${p.total}\`) });
} finally {
  await instance.dispose();
}
\`\`\`

Each namespaced method calls the flat member, so its argument checks and a subclass's override apply to both.
Paging iterators (\`runs.iterate\`, \`events.iterate\`, \`assets.iterateMaterializations\`, \`backfills.iterate\`,
\`partitions.iterate\`) and \`events.watch\` end on their \`signal\`. \`storage.upgrade\`, \`storage.reindex\`,
\`storage.wipe\`, \`assets.wipe\` (key by key), \`schedules.wipeAll\` and \`daemons.wipeHeartbeats\` take
\`onProgress\` and \`signal\`: an aborted signal stops between steps, each a whole unit, and the promise rejects with
the signal's reason. \`instance.settings\` has every member of the InstanceSettings; one that is a flat member too
(\`telemetryEnabled\`, \`getSettings\` …) reads the flat member, so a subclass's override shows in both. A logger (pino's interface) is passed as the factories' last option:
\`Instance.fromConfig(home, undefined, { logger })\`; the default is silent (\`INST_LOG_LEVEL=info\` logs to stderr).

Every DagsterInstance member and its namespaced form (members that are not domain operations show — and why):`;
