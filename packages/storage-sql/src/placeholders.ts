/**
 * `?` → `$1..$n`. inst writes its SQL once with `?` placeholders (SQLite's syntax); Postgres
 * only knows numbered ones. A `?` is a placeholder only outside everything Postgres reads
 * verbatim: string literals (`'…'` with `''`, `E'…'` with backslash escapes), quoted
 * identifiers (`"…"`), dollar-quoted bodies (`$$…$$`, `$tag$…$tag$`) and comments (`--`,
 * nested `/* … *\/`). Postgres' jsonb `?`, `?|`, `?&` operators therefore cannot be written
 * bare; use `jsonb_exists()` and friends.
 */

const isIdentChar = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);

/** End (exclusive) of a `'…'` literal starting at `start`; `backslashes` for E'' strings. */
function endOfQuoted(sql: string, start: number, quote: string, backslashes: boolean): number {
  for (let i = start + 1; i < sql.length; i++) {
    const ch = sql[i];
    if (backslashes && ch === '\\') {
      i++;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i++; // '' or "" is an escaped quote, not the end
      else return i + 1;
    }
  }
  return sql.length;
}

/** End (exclusive) of a nested block comment starting at `start`. */
function endOfBlockComment(sql: string, start: number): number {
  let depth = 0;
  for (let i = start; i < sql.length; i++) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i++;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return sql.length;
}

const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Rewrites one SQL text (uncached). Exported for tests. */
export function rewritePlaceholders(sql: string): string {
  // Fast path: most statements have no `?` at all (DDL, fixed queries).
  if (!sql.includes('?')) return sql;
  let out = '';
  let n = 0;
  let copied = 0; // sql[copied..i) is pending verbatim output
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    let skipTo = -1;
    if (ch === "'") {
      const prev = sql[i - 1];
      const escaped = (prev === 'E' || prev === 'e') && !isIdentChar(sql[i - 2]);
      skipTo = endOfQuoted(sql, i, "'", escaped);
    } else if (ch === '"') {
      skipTo = endOfQuoted(sql, i, '"', false);
    } else if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      skipTo = nl === -1 ? sql.length : nl;
    } else if (ch === '/' && sql[i + 1] === '*') {
      skipTo = endOfBlockComment(sql, i);
    } else if (ch === '$' && !isIdentChar(sql[i - 1])) {
      // `$1` (a numbered parameter) never matches the tag pattern; `a$b$` is an identifier.
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        skipTo = close === -1 ? sql.length : close + tag[0].length;
      }
    } else if (ch === '?') {
      out += sql.slice(copied, i) + `$${++n}`;
      copied = i + 1;
    }
    i = skipTo === -1 ? i + 1 : skipTo;
  }
  return out + sql.slice(copied);
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, string>();

/**
 * {@link rewritePlaceholders} with a process-wide cache: storages send the same few hundred SQL
 * texts over and over. Bounded, oldest entry first out, because `IN (?, ?, …)` lists of varying
 * length make texts that are each seen only a few times.
 */
export function toPostgresPlaceholders(sql: string): string {
  const hit = cache.get(sql);
  if (hit !== undefined) return hit;
  const rewritten = rewritePlaceholders(sql);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(sql, rewritten);
  return rewritten;
}
