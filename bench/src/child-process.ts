/** Starting the bench's child process (`child.ts`) with TypeScript support and the sources condition. */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildRequest, ChildResponse } from './child-protocol';

const require = createRequire(import.meta.url);
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** A running child: send it messages, wait for its answers. */
export class Child {
  readonly #proc: ChildProcess;
  readonly #queue: ChildResponse[] = [];
  readonly #waiters: ((message: ChildResponse) => void)[] = [];
  #exit: Error | undefined;

  constructor(request: ChildRequest) {
    // tsx's loader lets node run the TypeScript child; `@inst/source` resolves workspace packages to their sources.
    const loader = pathToFileURL(require.resolve('tsx')).href;
    this.#proc = fork(CHILD, [JSON.stringify(request)], {
      execArgv: ['--import', loader, '--conditions=@inst/source', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#proc.on('message', (message) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message as ChildResponse);
      else this.#queue.push(message as ChildResponse);
    });
    this.#proc.on('exit', (code, signal) => {
      this.#exit = new Error(`bench child exited (${code ?? signal}) before answering`);
      for (const waiter of this.#waiters.splice(0)) waiter({ type: 'error', error: this.#exit.message });
    });
  }

  send(message: { type: 'go' }): void {
    this.#proc.send(message);
  }

  /** The next message; rejects when the child reports an error or exits. */
  async next(timeoutMs = 600_000): Promise<ChildResponse> {
    const queued = this.#queue.shift();
    const message =
      queued ??
      (this.#exit
        ? ({ type: 'error', error: this.#exit.message } as const)
        : await new Promise<ChildResponse>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('bench child did not answer in time')), timeoutMs);
            this.#waiters.push((m) => {
              clearTimeout(timer);
              resolve(m);
            });
          }));
    if (message.type === 'error') throw new Error(`bench child: ${message.error}`);
    return message;
  }

  /** Waits for the child to exit (killing it after `timeoutMs`). */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#proc.kill('SIGKILL');
      }, timeoutMs);
      this.#proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.#proc.connected) this.#proc.disconnect();
    });
  }
}
