import type { Command } from 'commander';
import { addCodeTargetOptions, hasCodeTarget, openWorkspace, type CodeTargetOptions } from '../code';
import { nonNegativeInt, type CommandContext } from '../context';
import { example, type Act } from '../program';

interface UiOptions extends CodeTargetOptions {
  port?: number;
  host?: string;
}

/** `inst ui`: serves the web UI over the home until Ctrl-C. */
async function ui(ctx: CommandContext, options: UiOptions): Promise<void> {
  const { startUiServer } = await import('@inst/ui');
  await using instance = await ctx.instance();
  // Code locations (optional) give asset groups and partition keys; their code runs in code server processes.
  const workspace = hasCodeTarget(options) ? await openWorkspace(ctx, options) : undefined;
  try {
    const server = await startUiServer({ instance, host: options.host ?? '127.0.0.1', port: options.port ?? 3000, ...(workspace ? { workspace } : {}) });
    ctx.note(`inst ui: serving ${ctx.home()} at ${server.url} (Ctrl-C stops)`);
    if (ctx.json) ctx.printJson({ url: server.url, port: server.port });
    await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
    await server.close();
    ctx.note('inst ui: stopped');
  } finally {
    await workspace?.dispose();
  }
}

export function registerUiCommand(program: Command, act: Act): void {
  example(
    addCodeTargetOptions(
      program
        .command('ui')
        .description('Serve the web UI over the instance (runs, live event logs, assets, schedules, sensors, backfills, daemons) until Ctrl-C.')
        .option('--port <port>', 'the port (default 3000; 0 picks a free one)', nonNegativeInt('--port'))
        .option('--host <host>', 'the address to bind (default 127.0.0.1: this machine only)'),
    ).action(act(ui)),
    'inst ui --home ./home',
    'inst ui --port 8080 -w workspace.yaml',
  );
}
