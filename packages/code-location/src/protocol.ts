/**
 * The code server's IPC protocol (over Node's `fork` channel). Payloads are Dagster serdes documents, so
 * records (job snapshots, plans, error infos) arrive as the same classes on the other side.
 */

/** Parent → code server. */
export interface CodeServerRequest {
  readonly kind: 'request';
  readonly id: number;
  readonly method: string;
  /** The serdes text of the argument list. */
  readonly args: string;
}

/** Code server → parent. */
export type CodeServerMessage =
  | { readonly kind: 'ready'; readonly pid: number; readonly envVars: readonly string[] }
  | { readonly kind: 'loadError'; /** serdes text of a SerializableErrorInfo */ readonly error: string }
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: string }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: string };

/** The methods a code server answers (the {@link CodeLocation} interface minus `name` and `dispose`). */
export const CODE_SERVER_METHODS = ['snapshot', 'executionPlan', 'partitionKeys', 'evaluateSchedule', 'evaluateSensor', 'ping'] as const;
/** One of {@link CODE_SERVER_METHODS}. */
export type CodeServerMethod = (typeof CODE_SERVER_METHODS)[number];
