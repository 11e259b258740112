import { Command, CommanderError, Option } from 'commander';
import { registerAssetCommands } from './commands/asset';
import { registerBackfillCommands } from './commands/backfill';
import { registerDaemonCommands } from './commands/daemon';
import { registerDebugCommands } from './commands/debug';
import { registerInstanceCommands } from './commands/instance';
import { registerJobCommands } from './commands/job';
import { registerRetentionCommands } from './commands/retention';
import { registerRunCommands } from './commands/run';
import { registerScheduleCommands, registerSensorCommands } from './commands/instigators';
import { registerUiCommand } from './commands/ui';
import { CommandContext, EXIT, formatError, type CliIo, type GlobalOptions } from './context';

/** Wraps a command action: builds its {@link CommandContext} and hands over the positional arguments and options. */
export type Act = <A extends unknown[]>(run: (ctx: CommandContext, ...args: A) => Promise<void>) => (...args: unknown[]) => Promise<void>;

/** Adds an "Example:" section to a command's --help. */
export function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

const VERSION = '0.0.0';

/** Builds the `inst` program for one invocation. */
export function createProgram(io: CliIo, signal: AbortSignal): Command {
  const program = new Command('inst');
  program
    .description('Operate an inst (or Dagster) instance home: runs, assets, schedules, sensors, backfills, daemons, migrations.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--home <dir>', 'the instance home (default: $INST_HOME, else $DAGSTER_HOME)'))
    .addOption(new Option('--json', 'print one JSON document (stable camelCase fields) instead of tables'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`inst: USAGE: ${text.replace(/^error: /, '').trim()}\n`),
    });
  example(program, 'inst --home ./home instance info', 'INST_HOME=./home inst run list --status FAILURE --json');

  const act: Act =
    (run) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const ctx = new CommandContext(io, command.optsWithGlobals<GlobalOptions>(), signal);
      await run(ctx, ...(args.slice(0, -1) as never));
    };

  registerInstanceCommands(program, act);
  registerRunCommands(program, act);
  registerJobCommands(program, act);
  registerAssetCommands(program, act);
  registerScheduleCommands(program, act);
  registerSensorCommands(program, act);
  registerBackfillCommands(program, act);
  registerDaemonCommands(program, act);
  registerDebugCommands(program, act);
  registerRetentionCommands(program, act);
  registerUiCommand(program, act);
  return program;
}

/** Runs `inst` with `argv` (without the node and script entries); resolves to the exit status. */
export async function runCli(argv: readonly string[], io: CliIo, signal: AbortSignal = new AbortController().signal): Promise<number> {
  const program = createProgram(io, signal);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; a group called without its subcommand prints help as an error: bad usage.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const { lines, exitCode } = formatError(error);
    for (const line of lines) io.stderr.write(`${line}\n`);
    return exitCode;
  }
}
