const emitted = new Set<string>();

/**
 * Emits a process warning once per message, as Python's default warning filter shows a warning once per place:
 * the deprecation and advice warnings of the event queries would otherwise repeat on every call.
 */
export function warnOnce(message: string, type: 'UserWarning' | 'DeprecationWarning' | 'BetaWarning' = 'UserWarning'): void {
  if (emitted.has(message)) return;
  emitted.add(message);
  process.emitWarning(message, { type });
}
