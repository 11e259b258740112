import { daemonsJson } from '@inst/core';
import type { Command } from 'commander';
import { CliFailure, isoTime, shortTime, type CommandContext } from '../context';
import { example, type Act } from '../program';
import { addCodeTargetOptions, hasCodeTarget, openWorkspace, type CodeTargetOptions } from '../code';

async function heartbeats(ctx: CommandContext): Promise<void> {
  await using instance = await ctx.instance();
  const daemons = daemonsJson(await instance.getDaemonStatuses(), await instance.getDaemonHeartbeats());
  ctx.emit({ daemons }, () =>
    ctx.table(
      ['daemon', 'required', 'healthy', 'last heartbeat', 'errors'],
      daemons.map((d) => [d.daemonType, d.required ? 'yes' : 'no', d.healthy === null ? '-' : d.healthy ? 'yes' : 'NO', shortTime(d.lastHeartbeatTime), d.errors.length]),
      'No daemons required and no heartbeats.',
    ),
  );
}

async function livenessCheck(ctx: CommandContext): Promise<void> {
  await using instance = await ctx.instance();
  const statuses = [...(await instance.getDaemonStatuses()).values()];
  const dead = statuses.filter((s) => s.required && s.healthy !== true).map((s) => s.daemonType);
  const live = dead.length === 0;
  ctx.emit({ live, notRunning: dead, checkedAt: isoTime(Date.now() / 1000) }, () => ctx.out(live ? 'Daemon live' : `Daemon(s) not running: ${dead.join(', ')}`));
  if (!live) throw new CliFailure('DAEMON_NOT_RUNNING', `no recent heartbeat from ${dead.join(', ')}`);
}

async function run(ctx: CommandContext, options: CodeTargetOptions & { emptyWorkspace?: boolean }): Promise<void> {
  const { runDaemonHost } = await import('@inst/daemon-host');
  await using instance = await ctx.instance();
  const workspace = options.emptyWorkspace || (!hasCodeTarget(options) && !(await import('node:fs')).existsSync(`${ctx.io.cwd}/workspace.yaml`)) ? null : await openWorkspace(ctx, options);
  try {
    const daemons = instance.getRequiredDaemonTypes();
    if (daemons.length === 0) throw new CliFailure('NO_DAEMONS', 'No daemons configured on the instance');
    ctx.note(`inst daemon: running ${daemons.join(', ')} on ${ctx.home()}${workspace ? ` with ${workspace.locations.map((l) => l.name).join(', ')}` : ' (no code locations)'}; Ctrl-C stops`);
    // @inst/code-location's Workspace is what the host runs on; its snapshot types are wider than the host's (strings for statuses).
    await runDaemonHost({ instance, workspace: workspace as Parameters<typeof runDaemonHost>[0]['workspace'], signal: ctx.signal });
    ctx.note('inst daemon: stopped');
  } finally {
    await workspace?.dispose();
  }
}

export function registerDaemonCommands(program: Command, act: Act): void {
  const group = program.command('daemon').description('The daemon: run it, check its heartbeats.');
  const runCommand = group
    .command('run')
    .description('Run the daemons the instance needs (scheduler, sensors, run queue, backfills, monitoring, retries) until Ctrl-C.')
    .option('--empty-workspace', 'run without code locations');
  addCodeTargetOptions(runCommand);
  example(runCommand.action(act(run)), 'inst daemon run -w workspace.yaml', 'inst daemon run -f defs.ts');
  example(group.command('heartbeats').description("Each daemon's latest heartbeat and health.").action(act(heartbeats)), 'inst daemon heartbeats --json');
  example(
    group.command('liveness-check').description('Exit 0 when every required daemon has a recent heartbeat ("Daemon live"), else 1.').action(act(livenessCheck)),
    'inst daemon liveness-check || restart-daemon',
  );
}
