/** Thrown by a test's crash hook: stands for the process dying at that point, so no daemon code catches it. */
export class SimulatedCrashError extends Error {
  constructor(point: string) {
    super(`simulated crash at ${point}`);
    this.name = 'SimulatedCrashError';
  }
}
