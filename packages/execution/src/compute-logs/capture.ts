/**
 * In-process capture of stdout/stderr per async context. Steps run concurrently in one process, so a process-wide
 * redirect would mix their output: instead `process.stdout.write`, `process.stderr.write` and the console methods
 * are wrapped once, and each write goes to the capture of the async context it was made in (AsyncLocalStorage),
 * as well as to the original stream (Dagster also tails captured output back to the terminal). Writes outside
 * any capture are untouched. A child-process run worker may redirect file descriptors instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { ComputeIOType, ComputeLogCapture } from './manager';

const storage = new AsyncLocalStorage<ComputeLogCapture>();
let installed = false;

type Write = typeof process.stdout.write;

function wrapStream(stream: NodeJS.WriteStream, ioType: ComputeIOType): void {
  const original: Write = stream.write.bind(stream) as Write;
  stream.write = function write(chunk: unknown, ...rest: unknown[]): boolean {
    const capture = storage.getStore();
    if (capture && (typeof chunk === 'string' || chunk instanceof Uint8Array)) capture.write(ioType, chunk);
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  } as Write;
}

const CONSOLE_METHODS: readonly [keyof Console, ComputeIOType][] = [
  ['log', 'stdout'],
  ['info', 'stdout'],
  ['debug', 'stdout'],
  ['warn', 'stderr'],
  ['error', 'stderr'],
  ['trace', 'stderr'],
];

/**
 * The console may not write through `process.stdout.write` (test runners replace it), so its methods are
 * wrapped too. A console call inside a capture writes its formatted line to the capture and then calls the
 * original method with the stream writes suppressed for that call, so the line is captured once.
 */
function wrapConsole(): void {
  for (const [method, ioType] of CONSOLE_METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    if (typeof original !== 'function') continue;
    (console as unknown as Record<string, unknown>)[method] = function captured(...args: unknown[]): void {
      const capture = storage.getStore();
      if (!capture) {
        original.apply(console, args);
        return;
      }
      capture.write(ioType, `${format(...args)}\n`);
      storage.exit(() => original.apply(console, args));
    };
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  wrapStream(process.stdout, 'stdout');
  wrapStream(process.stderr, 'stderr');
  wrapConsole();
}

/** Runs `fn` with its stdout/stderr (and that of everything it starts asynchronously) written to `capture`. */
export function runWithCapture<T>(capture: ComputeLogCapture | null, fn: () => T): T {
  if (!capture) return storage.exit(fn);
  install();
  return storage.run(capture, fn);
}
