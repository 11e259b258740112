/*
 * Code targets (-f FILE | -m MODULE | -w workspace.yaml, -l LOCATION), loaded through @inst/code-location: user
 * code runs in a code server child process, never in the CLI's.
 */
import type { CodeLocation, Workspace } from '@inst/code-location';
import type { Command } from 'commander';
import { collect, UsageError, type CommandContext } from './context';

export interface CodeTargetOptions {
  file?: string[];
  module?: string[];
  workspace?: string;
  workingDirectory?: string;
  attribute?: string;
  location?: string;
}

/** Adds Dagster's workspace target options to a command. */
export function addCodeTargetOptions(command: Command): Command {
  return command
    .option('-f, --file <file>', 'a JS/TS file whose default export is a Definitions (repeatable)', collect)
    .option('-m, --module <module>', 'a module whose default export is a Definitions (repeatable)', collect)
    .option('-w, --workspace <file>', 'a workspace.yaml (Dagster load_from: entries)')
    .option('-d, --working-directory <dir>', 'working directory of -f / -m locations')
    .option('-a, --attribute <name>', 'the export holding the Definitions (default: the default export)')
    .option('-l, --location <name>', 'the code location to use, when the workspace has several');
}

export function hasCodeTarget(options: CodeTargetOptions): boolean {
  return Boolean(options.file?.length || options.module?.length || options.workspace);
}

/** Loads the workspace the options name (a `workspace.yaml` in the current directory if none). */
export async function openWorkspace(ctx: CommandContext, options: CodeTargetOptions): Promise<Workspace> {
  const { loadWorkspace } = await import('@inst/code-location');
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  let workspaceFile = options.workspace;
  if (!hasCodeTarget(options)) {
    if (existsSync(join(ctx.io.cwd, 'workspace.yaml'))) workspaceFile = 'workspace.yaml';
    else throw new UsageError('no code location: pass -f FILE, -m MODULE or -w workspace.yaml (or run where a workspace.yaml is)');
  }
  return loadWorkspace({
    ...(workspaceFile ? { workspaceFile } : {}),
    ...(options.file?.length ? { file: options.file } : {}),
    ...(options.module?.length ? { module: options.module } : {}),
    ...(options.workingDirectory ? { workingDirectory: options.workingDirectory } : {}),
    ...(options.attribute ? { attribute: options.attribute } : {}),
    ...(options.location && !workspaceFile && (options.file?.length ?? 0) + (options.module?.length ?? 0) === 1 ? { locationName: options.location } : {}),
    cwd: ctx.io.cwd,
  });
}

/** The one location the options select. */
export function selectLocation(workspace: Workspace, options: CodeTargetOptions): CodeLocation {
  if (options.location && workspace.hasLocation(options.location)) return workspace.getLocation(options.location);
  if (options.location) return workspace.getLocation(options.location);
  if (workspace.locations.length !== 1) throw new UsageError(`the workspace has ${workspace.locations.length} code locations (${workspace.locations.map((l) => l.name).join(', ')}): pass -l LOCATION`);
  return workspace.locations[0]!;
}

/** Finds the location defining a schedule or sensor (or job) by name. */
export async function locationDefining(workspace: Workspace, options: CodeTargetOptions, kind: 'schedules' | 'sensors' | 'jobs', name: string): Promise<CodeLocation> {
  if (options.location || workspace.locations.length === 1) return selectLocation(workspace, options);
  for (const location of workspace.locations) {
    const snapshot = await location.snapshot();
    if ((snapshot[kind] as readonly { name: string }[]).some((entry) => entry.name === name)) return location;
  }
  throw new UsageError(`no code location of the workspace defines ${kind.slice(0, -1)} ${name}`);
}

export interface PreviewResult {
  name: string;
  location: string;
  runRequests: unknown[];
  skipMessage: string | null;
  cursor?: string | null;
  error: string | null;
}

function errorText(error: { message?: string } | null | undefined): string | null {
  return error ? (error.message ?? 'error').trim() : null;
}

export async function previewSchedule(ctx: CommandContext, name: string, options: CodeTargetOptions): Promise<PreviewResult> {
  await using workspace = await openWorkspace(ctx, options);
  const location = await locationDefining(workspace, options, 'schedules', name);
  const evaluation = await location.evaluateSchedule(name, { scheduledExecutionTime: Date.now() / 1000 });
  return { name, location: location.name, runRequests: evaluation.runRequests, skipMessage: evaluation.skipMessage ?? null, error: errorText(evaluation.error) };
}

export async function previewSensor(ctx: CommandContext, name: string, options: CodeTargetOptions & { since?: number; cursor?: string; lastRunKey?: string }): Promise<PreviewResult> {
  await using workspace = await openWorkspace(ctx, options);
  const location = await locationDefining(workspace, options, 'sensors', name);
  const evaluation = await location.evaluateSensor(name, {
    cursor: options.cursor ?? null,
    lastTickCompletionTime: options.since ?? null,
    lastRunKey: options.lastRunKey ?? null,
    lastSensorStartTime: null,
  });
  return {
    name,
    location: location.name,
    runRequests: evaluation.runRequests,
    skipMessage: evaluation.skipMessage ?? null,
    cursor: evaluation.cursor ?? null,
    error: errorText(evaluation.error),
  };
}
