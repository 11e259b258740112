// Every command of `inst` documents itself: --help of each leaf command has an "Example:" section with `$ inst …`.
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { expect, it } from 'vitest';
import { createProgram } from './program';

function leaves(command: Command, path: string[] = []): { path: string; command: Command }[] {
  if (command.commands.length === 0) return [{ path: path.join(' '), command }];
  return command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

it('gives every command a --help with an example', () => {
  let text = '';
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((text += chunk.toString()), done()) });
  const program = createProgram({ stdout: sink, stderr: sink, env: {}, cwd: process.cwd() }, new AbortController().signal);
  const all = leaves(program).filter((l) => l.path !== 'help');
  expect(all.map((l) => l.path).sort()).toEqual(
    [
      'instance info', 'instance migrate', 'instance reindex', 'instance concurrency get', 'instance concurrency set',
      'run list', 'run show', 'run logs', 'run reexecute', 'run cancel', 'run delete', 'run wipe',
      'job list', 'job execute', 'job launch', 'job backfill',
      'asset list', 'asset show', 'asset wipe', 'asset wipe-partitions',
      'schedule list', 'schedule start', 'schedule stop', 'schedule preview',
      'sensor list', 'sensor start', 'sensor stop', 'sensor preview', 'sensor cursor',
      'backfill list', 'backfill show', 'backfill cancel',
      'daemon run', 'daemon heartbeats', 'daemon liveness-check',
      'debug export', 'debug import',
      'retention purge',
      'ui',
    ].sort(),
  );
  for (const { path, command } of all) {
    text = '';
    command.outputHelp();
    expect(text, path).toMatch(/\nExamples?:\n {2}\$ inst /);
    expect(command.description(), path).not.toBe('');
  }
});
