import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DagsterRunStatus, RunsFilter } from '@inst/types';
import type { Command } from 'commander';
import { CliFailure, UsageError, type CommandContext } from '../context';
import { buildDebugPayload, importDebugPayload, readDebugFile, writeDebugFile } from '../debug-payload';
import { createProgress } from '../progress';
import { example, type Act } from '../program';

async function exportRun(ctx: CommandContext, runId: string, file: string): Promise<void> {
  await using instance = await ctx.instance();
  const run = await instance.getRunById(runId);
  if (!run) {
    const failed = await instance.getRuns(new RunsFilter({ statuses: [DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED] }), undefined, 5);
    const hint = failed.length ? ` Recently failed runs: ${failed.map((r) => `${r.runId} (${r.jobName}, ${r.status})`).join(', ')}` : '';
    throw new CliFailure('RUN_NOT_FOUND', `Could not find run with run_id '${runId}'.${hint}`);
  }
  const path = resolve(ctx.io.cwd, file);
  const payload = await buildDebugPayload(instance, run);
  await writeDebugFile(path, payload);
  ctx.emit({ runId, file: path, events: payload.eventList.length, version: payload.version, hasJobSnapshot: payload.jobSnapshot !== null, hasExecutionPlanSnapshot: payload.executionPlanSnapshot !== null }, () =>
    ctx.out(`Exporting run_id '${runId}' to gzip output file ${path}.`),
  );
}

async function importFiles(ctx: CommandContext, files: string[]): Promise<void> {
  const paths = files.map((f) => resolve(ctx.io.cwd, f));
  for (const path of paths) if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
  const payloads = [];
  for (const path of paths) payloads.push({ path, payload: await readDebugFile(path) });
  await using instance = await ctx.instance();
  const results = [];
  for (const { path, payload } of payloads) {
    if (!ctx.json) ctx.out(`Importing run ${payload.dagsterRun.runId} (version: ${payload.version})`);
    const progress = createProgress(ctx.io, 'events', payload.eventList.length, { quiet: ctx.json });
    const result = await importDebugPayload(instance, payload, (done) => {
      if (done % 100 === 0 || done === payload.eventList.length) progress.log(`${done}/${payload.eventList.length}`);
      return !ctx.signal.aborted;
    });
    progress.stop();
    ctx.checkInterrupted(`importing ${path} (run ${result.runId} has ${result.events} event(s); delete it with \`inst run delete\` and import again)`);
    if (!result.imported && !ctx.json) ctx.out(`Run ${result.runId} already exists: left as it is.`);
    results.push({ file: path, version: payload.version, ...result });
  }
  if (ctx.json) ctx.printJson({ imports: results });
}

export function registerDebugCommands(program: Command, act: Act): void {
  const group = program.command('debug').description("Debug files: a run with its event log and snapshots, in Dagster's format (dagster debug export/import).");
  example(
    group.command('export').description('Write a run, its event log and snapshots to a gzipped debug file.').argument('<run-id>').argument('<file>', 'output file (e.g. run.gz)').action(act(exportRun)),
    'inst debug export 5c1a… run.gz',
  );
  example(
    group.command('import').description('Import debug files (from inst or Dagster) into the instance; an existing run is left as it is.').argument('<files...>').action(act(importFiles)),
    'inst --home ./empty-home debug import run.gz',
  );
}
