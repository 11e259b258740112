/** Reads the schema (not the data) out of a plain-SQL pg_dump: tables, columns, indexes, constraints. */

export interface DumpColumn {
  readonly name: string;
  /** As pg_dump prints it: `bigint`, `character varying(255)`, `timestamp without time zone`, … */
  readonly type: string;
  readonly notNull: boolean;
  /** `CURRENT_TIMESTAMP`, `false`, or null (sequence defaults are set separately by pg_dump). */
  readonly default: string | null;
}

export interface DumpIndex {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** Predicate without pg_dump's parentheses, e.g. `asset_key IS NOT NULL AND partition IS NOT NULL`. */
  readonly where: string | null;
}

export interface DumpConstraint {
  readonly name: string;
  readonly table: string;
  /** `PRIMARY KEY (id)`, `UNIQUE (run_id)`, `FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE` */
  readonly definition: string;
}

export interface DumpSchema {
  readonly tables: ReadonlyMap<string, readonly DumpColumn[]>;
  readonly indexes: readonly DumpIndex[];
  readonly constraints: readonly DumpConstraint[];
}

const unquote = (name: string): string => name.trim().replace(/^"(.*)"$/, '$1');

export function parseDumpSchema(sql: string): DumpSchema {
  const tables = new Map<string, DumpColumn[]>();
  for (const m of sql.matchAll(/^CREATE TABLE public\.(\w+) \(\n([\s\S]*?)\n\);$/gm)) {
    const columns = m[2]!.split('\n').map((line) => {
      const c = /^\s+("?\w+"?) (.+?)( DEFAULT (.+?))?( NOT NULL)?,?$/.exec(line);
      if (!c) throw new Error(`Cannot parse column line: ${line}`);
      return { name: unquote(c[1]!), type: c[2]!, notNull: c[5] !== undefined, default: c[4] ?? null };
    });
    tables.set(m[1]!, columns);
  }
  const indexes: DumpIndex[] = [];
  for (const m of sql.matchAll(/^CREATE (UNIQUE )?INDEX (\w+) ON public\.(\w+) USING btree \(([^)]*)\)(?: WHERE (.+))?;$/gm)) {
    indexes.push({
      name: m[2]!,
      table: m[3]!,
      columns: m[4]!.split(',').map(unquote),
      unique: m[1] !== undefined,
      where: m[5] ? m[5].replace(/[()]/g, '') : null,
    });
  }
  const constraints: DumpConstraint[] = [];
  for (const m of sql.matchAll(/^ALTER TABLE ONLY public\.(\w+)\n\s+ADD CONSTRAINT (\w+) (.+);$/gm)) {
    constraints.push({ table: m[1]!, name: m[2]!, definition: m[3]!.replace(/public\./g, '') });
  }
  return { tables, indexes, constraints };
}
