/**
 * The default secrets loader of Dagster (`EnvFileLoader`): the `.env` file in the code location's working
 * directory, read with python-dotenv's rules, each variable written into the process environment (overriding
 * what was there, as `DagsterInstance.inject_env_vars` does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Parses `.env` text as python-dotenv's `dotenv_values` does: `KEY=value` lines, an optional `export ` prefix,
 * `#` comments (whole line, or after whitespace in an unquoted value), single quotes (literal), double quotes
 * (with `\n`, `\t`, `\"`, `\\` escapes), and `${VAR}` / `${VAR:-default}` interpolation in unquoted and
 * double-quoted values (from earlier keys of the file, then `env`). A key without `=` has no value and is left
 * out, as Dagster drops `None` values.
 */
export function parseEnvFile(text: string, env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    line = line.replace(/^export\s+/, '');
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().replace(/^(['"])(.*)\1$/, '$2');
    if (!/^[^\s=]+$/.test(key)) continue;
    let rest = line.slice(eq + 1).trimStart();
    let value: string;
    let interpolate = true;
    if (rest.startsWith("'") || rest.startsWith('"')) {
      const quote = rest[0]!;
      // A quoted value may span lines.
      while (!hasClosingQuote(rest, quote) && index + 1 < lines.length) rest += `\n${lines[++index]!}`;
      const body = readQuoted(rest, quote);
      value = quote === '"' ? unescapeDouble(body) : body;
      interpolate = quote === '"';
    } else {
      value = rest.replace(/\s+#.*$/, '').trimEnd();
    }
    values[key] = interpolate ? interpolateValue(value, values, env) : value;
  }
  return values;
}

function hasClosingQuote(text: string, quote: string): boolean {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\' && quote === '"') i++;
    else if (text[i] === quote) return true;
  }
  return false;
}

function readQuoted(text: string, quote: string): string {
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && quote === '"' && i + 1 < text.length) {
      out += ch + text[++i]!;
    } else if (ch === quote) {
      return out;
    } else {
      out += ch;
    }
  }
  return out;
}

function unescapeDouble(body: string): string {
  return body.replace(/\\([\\'"abfnrtv])/g, (_, ch: string) => ({ n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' })[ch] ?? ch);
}

function interpolateValue(value: string, file: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$\{([^}:]+)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => file[name] ?? env[name] ?? fallback ?? '');
}

/** The variables of `<baseDir>/.env` (Dagster's `get_env_var_dict`); none when the file does not exist. */
export function readEnvFile(baseDir: string, env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const path = join(baseDir, '.env');
  if (!existsSync(path)) return {};
  return parseEnvFile(readFileSync(path, 'utf8'), env);
}

/**
 * Loads `<baseDir>/.env` into `env` (default `process.env`), overriding existing values (Dagster's
 * `inject_env_vars` with the default `EnvFileLoader`, whose base directory is the process's working
 * directory). Returns the names it set.
 */
export function injectEnvVars(baseDir: string = process.cwd(), env: Record<string, string | undefined> = process.env): string[] {
  const values = readEnvFile(baseDir, env);
  for (const [key, value] of Object.entries(values)) env[key] = value;
  return Object.keys(values);
}
