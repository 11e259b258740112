import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockName, checkedPackageDirs, readmeBlocks, ROOT, runBlock, typeCheckBlocks } from './blocks';

const blocks = readmeBlocks();
const runnable = blocks.filter((block) => !block.flags.includes('no-run'));

/** A superuser URL on the local server (trust auth): INST_TEST_PG_URL, else user postgres, else root. */
async function adminPgUrl(): Promise<string> {
  const problems: string[] = [];
  for (const url of [process.env.INST_TEST_PG_URL, 'postgresql://postgres@127.0.0.1:5432/postgres', 'postgresql://root@127.0.0.1:5432/postgres']) {
    if (!url) continue;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return url;
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error(`no PostgreSQL server for the README examples that use one:\n  ${problems.join('\n  ')}`);
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let adminUrl: string;
const databases: string[] = [];

/** A fresh scratch database for one block that reads DATABASE_URL. */
async function scratchDatabase(): Promise<string> {
  const name = `inst_readme_${process.pid}_${databases.length}`;
  await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(adminUrl, `CREATE DATABASE "${name}"`);
  databases.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

beforeAll(async () => {
  if (runnable.some((block) => block.code.includes('DATABASE_URL'))) adminUrl = await adminPgUrl();
});

afterAll(async () => {
  for (const name of databases) await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe('README code blocks', () => {
  it('every package README has an install section, and the examples are found', () => {
    const readmes = [...new Set(blocks.map((block) => block.readme))];
    expect(readmes.length).toBeGreaterThan(10);
    for (const pkg of checkedPackageDirs()) {
      const file = join(ROOT, 'packages', pkg, 'README.md');
      if (existsSync(file)) expect(readFileSync(file, 'utf8'), `packages/${pkg}/README.md`).toMatch(/^## Install\n[\s\S]*?npm install /m);
    }
  });

  it('blocks marked no-run stay rare (at most one in five)', () => {
    expect(blocks.filter((block) => block.flags.includes('no-run')).map(blockName).length).toBeLessThanOrEqual(Math.floor(blocks.length / 5));
  });

  it('every ts block that runs type-checks as a strict TypeScript user project (NodeNext, the built packages)', async () => {
    const errors = await typeCheckBlocks(runnable.filter((block) => block.lang === 'ts'));
    expect(errors.map((error) => `${error.block}: ${error.message}`).join('\n')).toBe('');
  });

  it.each(runnable.map((block) => [blockName(block), block] as const))('%s runs to completion', async (_name, block) => {
    const databaseUrl = block.code.includes('DATABASE_URL') ? await scratchDatabase() : undefined;
    const result = await runBlock(block, databaseUrl ? { databaseUrl } : {});
    const report = `exit ${result.code}${result.stuck ? ' (stuck: killed)' : ''}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
    expect(result.stuck, report).toBe(false);
    expect(result.code, report).toBe(0);
  });
});
