import { InvalidArgumentError } from '@inst/errors';
import { describe, expect, it } from 'vitest';
import { Instance } from './instance';
import { type Logger, defaultInstanceLogger, resetDefaultInstanceLogger } from './logger';

/** A logger that keeps its lines (pino's calling convention: fields, then message). */
function capturingLogger(lines: { level: string; fields: Record<string, unknown>; message: string | undefined }[], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (first: object | string, message?: string) =>
    void lines.push(typeof first === 'string' ? { level, fields: bindings, message: first } : { level, fields: { ...bindings, ...first }, message });
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => capturingLogger(lines, { ...bindings, ...more }) };
}

describe('the instance logger', () => {
  it('is injected through the factory options and sees the maintenance steps and printed lines', async () => {
    const lines: Parameters<typeof capturingLogger>[0] = [];
    const logger = capturingLogger(lines);
    const instance = await Instance.ephemeral(undefined, undefined, undefined, { logger });
    try {
      expect(instance.logger).toBe(logger);
      const printed: string[] = [];
      await instance.upgrade((line) => void printed.push(line));
      expect(printed).toContain('Updating run storage...');
      expect(lines.filter((l) => l.level === 'info').map((l) => l.message)).toContain('upgrade: run storage schema (0/4)');
      expect(lines.some((l) => l.level === 'debug' && l.message === 'Updating run storage...')).toBe(true);
      await instance.storage.wipe();
      expect(lines.filter((l) => l.level === 'info').map((l) => l.fields.step)).toEqual(expect.arrayContaining(['run storage', 'event storage', 'done']));
    } finally {
      await instance.dispose();
    }
    expect(lines.at(-1)?.message).toBe('disposed the instance');
  });

  it('is silent by default, and INST_LOG_LEVEL chooses a level', () => {
    const previous = process.env.INST_LOG_LEVEL;
    try {
      delete process.env.INST_LOG_LEVEL;
      resetDefaultInstanceLogger();
      expect((defaultInstanceLogger() as unknown as { level: string }).level).toBe('silent');
      process.env.INST_LOG_LEVEL = 'warn';
      resetDefaultInstanceLogger();
      expect((defaultInstanceLogger() as unknown as { level: string }).level).toBe('warn');
    } finally {
      if (previous === undefined) delete process.env.INST_LOG_LEVEL;
      else process.env.INST_LOG_LEVEL = previous;
      resetDefaultInstanceLogger();
    }
  });

  it('refuses a logger that is not one', async () => {
    await expect(Instance.ephemeral(undefined, undefined, undefined, { logger: { info: () => {} } as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(Instance.ephemeral(undefined, undefined, undefined, { lgger: {} } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
