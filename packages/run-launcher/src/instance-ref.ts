/**
 * The back-reference a coordinator or launcher keeps to the instance it serves (Dagster's
 * `MayHaveInstanceWeakref`): set once, by the instance, when it takes the component.
 */
import { InvariantViolationError } from '@inst/errors';

/** Holds the instance a component is registered with. */
export class InstanceRef<T extends object> {
  #instance: T | undefined;
  readonly #owner: string;

  constructor(owner: string, instance?: T) {
    this.#owner = owner;
    this.#instance = instance;
  }

  /** Registers the instance; registering a second, different instance is an error (one component, one instance). */
  register(instance: T): void {
    if (this.#instance !== undefined && this.#instance !== instance) {
      throw new InvariantViolationError(`${this.#owner} is already registered with another instance`);
    }
    this.#instance = instance;
  }

  /** Whether an instance is registered. */
  get registered(): boolean {
    return this.#instance !== undefined;
  }

  /** The registered instance; throws when there is none yet. */
  get(): T {
    if (this.#instance === undefined) {
      throw new InvariantViolationError(`${this.#owner} has no instance; the instance registers itself with registerInstance(instance)`);
    }
    return this.#instance;
  }
}
