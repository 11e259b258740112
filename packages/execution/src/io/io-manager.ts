/**
 * IO managers: where step outputs are stored and how inputs load them (Dagster's `IOManager`). Every output
 * goes through the run's IO manager and every input loads through it, so a re-execution that does not re-run
 * a step loads that step's outputs from the run that produced them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '@inst/errors';
import { PathMetadataValue, type MetadataValue } from '@inst/types';

/** The output being stored, or the upstream output an input loads. */
export interface OutputContext {
  /** The run that produced (or is producing) the output. */
  readonly runId: string;
  readonly stepKey: string;
  readonly outputName: string;
  /** The asset the output materializes, if any. */
  readonly assetKey: readonly string[] | null;
  /** The run's partition key, if any. */
  readonly partitionKey: string | null;
}

/** The input being loaded. */
export interface InputContext {
  /** The run loading the input. */
  readonly runId: string;
  readonly stepKey: string;
  readonly inputName: string;
  /** The output the input reads, with the run that produced it. */
  readonly upstreamOutput: OutputContext;
}

/** Stores outputs and loads inputs. `handleOutput` may return metadata for the HANDLED_OUTPUT event. */
export interface IOManager {
  handleOutput(context: OutputContext, value: unknown): Promise<Readonly<Record<string, MetadataValue>> | void> | Readonly<Record<string, MetadataValue>> | void;
  loadInput(context: InputContext): Promise<unknown> | unknown;
}

/** The key Dagster's events name the default IO manager by. */
export const DEFAULT_IO_MANAGER_KEY = 'io_manager';

/** An input's upstream output was never stored by this IO manager. */
export class OutputNotFoundError extends InvalidArgumentError {
  constructor(context: OutputContext, where: string) {
    super(`No stored output "${context.outputName}" of step "${context.stepKey}" in run ${context.runId} (${where})`, {
      ids: { runId: context.runId, stepKey: context.stepKey },
    });
  }
}

/** Keeps outputs in this process, keyed by run, step and output (Dagster's `mem_io_manager`, shared across runs). */
export class InMemoryIOManager implements IOManager {
  readonly #values = new Map<string, unknown>();

  #key(context: OutputContext): string {
    return context.assetKey ? `asset:${JSON.stringify(context.assetKey)}:${context.partitionKey ?? ''}` : `op:${context.runId}/${context.stepKey}/${context.outputName}`;
  }

  handleOutput(context: OutputContext, value: unknown): void {
    this.#values.set(this.#key(context), value);
  }

  loadInput(context: InputContext): unknown {
    const key = this.#key(context.upstreamOutput);
    if (!this.#values.has(key)) throw new OutputNotFoundError(context.upstreamOutput, 'in-memory IO manager');
    return this.#values.get(key);
  }
}

/**
 * Stores outputs as files with the layout of Dagster's `fs_io_manager`: op outputs at
 * `<baseDir>/<run_id>/<step_key>/<output_name>`, asset outputs at `<baseDir>/<asset key path…>` (plus
 * `/<partition_key>` for a partitioned run). Values are JSON (Dagster pickles): they must be JSON-serializable.
 */
export class FilesystemIOManager implements IOManager {
  readonly baseDir: string;

  constructor(options: { baseDir: string }) {
    this.baseDir = resolve(options.baseDir);
  }

  /** The file of an output. */
  pathFor(context: OutputContext): string {
    const parts = context.assetKey ? [...context.assetKey, ...(context.partitionKey ? [context.partitionKey] : [])] : [context.runId, context.stepKey, context.outputName];
    const path = resolve(this.baseDir, ...parts);
    if (!path.startsWith(this.baseDir + sep)) throw new InvalidArgumentError(`Output path escapes the IO manager's base directory: ${parts.join('/')}`);
    return path;
  }

  handleOutput(context: OutputContext, value: unknown): Record<string, MetadataValue> {
    const path = this.pathFor(context);
    const text = JSON.stringify({ value: value === undefined ? null : value });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return { path: new PathMetadataValue({ path }) };
  }

  loadInput(context: InputContext): unknown {
    const path = this.pathFor(context.upstreamOutput);
    if (!existsSync(path)) throw new OutputNotFoundError(context.upstreamOutput, path);
    return (JSON.parse(readFileSync(path, 'utf8')) as { value: unknown }).value;
  }
}

/** The IO manager of a run: the filesystem one under the instance's storage directory, else in memory. */
export function defaultIOManager(storageDirectory: string | null): IOManager {
  return storageDirectory ? new FilesystemIOManager({ baseDir: storageDirectory }) : new InMemoryIOManager();
}
