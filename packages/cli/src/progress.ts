import cliProgress from 'cli-progress';
import type { CliIo } from './context';

/** Progress of a long operation: a bar (or counter) on a terminal, plain lines otherwise; always on stderr. */
export interface Progress {
  /** One unit done, with what it was. */
  tick(message: string): void;
  /** A message that is not a unit of work. */
  log(message: string): void;
  stop(): void;
}

/** A progress reporter for `total` units (unknown total: a counter). `quiet` reports nothing. */
export function createProgress(io: CliIo, label: string, total: number | undefined, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet) return { tick() {}, log() {}, stop() {} };
  const stream = io.stderr;
  if (stream.isTTY !== true) {
    let done = 0;
    return {
      tick(message) {
        done++;
        stream.write(`${label} ${total === undefined ? done : `${done}/${total}`}: ${message}\n`);
      },
      log(message) {
        stream.write(`${message}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: total === undefined ? `${label} {value} {message}` : `${label} [{bar}] {value}/{total} {message}`,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0, { message: '' });
  let done = 0;
  return {
    tick(message) {
      done++;
      if (total !== undefined && done > total) bar.setTotal(done);
      bar.update(done, { message: message.slice(0, 60) });
    },
    log(message) {
      bar.update(done, { message: message.slice(0, 60) });
    },
    stop() {
      bar.stop();
    },
  };
}
