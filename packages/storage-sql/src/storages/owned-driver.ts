import { DisposedError } from '@inst/errors';
import type { SqlDriver } from '../driver.js';

/** What a storage is given: its driver, whether closing it is the storage's job, and a hook for the rest. */
export interface OwnedDriverOptions {
  readonly driver: SqlDriver;
  /** Close the driver on dispose. Default `false`: a shared pool or layout is closed by its owner. */
  readonly ownsDriver?: boolean;
  /** Called once on dispose, after the driver is closed when owned (e.g. to close a SQLite layout). */
  readonly onDispose?: () => void | Promise<void>;
}

/** A storage's driver with its dispose rules: closed at most once, and unusable afterwards. */
export class OwnedDriver {
  #disposed = false;

  constructor(
    private readonly options: OwnedDriverOptions,
    /** Names the storage in DisposedError. */
    private readonly what: string,
  ) {}

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The driver; throws DisposedError once disposed. */
  get driver(): SqlDriver {
    if (this.#disposed) throw new DisposedError(this.what);
    return this.options.driver;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      if (this.options.ownsDriver) await this.options.driver.close();
    } finally {
      await this.options.onDispose?.();
    }
  }
}
