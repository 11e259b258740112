/**
 * `@inst/cli`: the `inst` command line. The binary is `inst` (`bin/inst.js`); the program is also callable
 * in process with {@link runCli}, and the debug file format (Dagster's `DebugRunPayload`) is exported for
 * tools that read or write `inst debug export` / `dagster debug export` files.
 *
 * @packageDocumentation
 */
export { runCli, createProgram } from './program';
export { EXIT, UsageError, CliFailure, InterruptedError, type CliIo } from './context';
export { DebugRunPayload, readDebugFile, writeDebugFile, buildDebugPayload, importDebugPayload } from './debug-payload';
