import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { injectEnvVars, parseEnvFile, readEnvFile } from './env-file';

describe('.env loading (python-dotenv rules)', () => {
  it('parses quotes, export, comments, escapes and interpolation', () => {
    const text = [
      '# comment',
      'export A=plain value # trailing comment',
      "B='literal ${A} \\n'",
      'C="line\\nnext ${A}"',
      'D=${MISSING:-fallback}/${HOME_X}',
      'NO_VALUE',
      'E="multi',
      'line"',
      '',
    ].join('\n');
    expect(parseEnvFile(text, { HOME_X: '/h' })).toEqual({
      A: 'plain value',
      B: 'literal ${A} \\n',
      C: 'line\nnext plain value',
      D: 'fallback//h',
      E: 'multi\nline',
    });
  });

  it('injects the directory .env over the environment, and nothing when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codeloc-env-'));
    expect(readEnvFile(dir)).toEqual({});
    writeFileSync(join(dir, '.env'), 'X=1\nY=two\n');
    const env: Record<string, string | undefined> = { X: 'old', Z: 'kept' };
    expect(injectEnvVars(dir, env)).toEqual(['X', 'Y']);
    expect(env).toEqual({ X: '1', Y: 'two', Z: 'kept' });
  });
});
