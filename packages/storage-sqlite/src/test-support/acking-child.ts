import { spawn, type ChildProcess } from 'node:child_process';

/** A writer child process that prints `ack <x>` after each acknowledged write (see kill-writer.ts). */
export interface AckingChild {
  readonly child: ChildProcess;
  /** The `<x>` of every `ack <x>` line so far. */
  readonly acked: string[];
  /** Resolves once `count` acks are in; rejects (with the child's stderr) if it exits before. */
  waitForAcks(count: number): Promise<void>;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

/** Spawns `node script ...args` and collects its acks. */
export function spawnAckingChild(script: string, args: readonly string[]): AckingChild {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: string[] = [];
  let stderr = '';
  let buffer = '';
  const waiters: { count: number; resolve: () => void }[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
    for (const waiter of waiters.filter((w) => acked.length >= w.count)) waiter.resolve();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    acked,
    waitForAcks(count) {
      return new Promise<void>((resolve, reject) => {
        if (acked.length >= count) return resolve();
        waiters.push({ count, resolve });
        child.on('exit', (code, signal) => {
          if (acked.length < count) reject(new Error(`writer exited (${code ?? signal}) before it was killed: ${stderr}`));
        });
      });
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
