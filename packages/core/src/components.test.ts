import { DriverNotInstalledError, importDriver as importBackend, InstError } from '@inst/errors';
import { describe, expect, it } from 'vitest';
import { loadPostgresBackend, loadSqliteBackend } from './components';

describe('backend drivers are optional peers, loaded on demand', () => {
  it('a module that is not installed becomes a DriverNotInstalledError naming the package to install', async () => {
    // A real failed import, as the runtime reports it (a variable specifier: no such module exists).
    const specifier = 'inst-test-no-such-driver';
    const error = await importBackend(() => import(specifier), ['inst-test-no-such-driver'], 'Test storage').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverNotInstalledError);
    expect(InstError.isInstance(error)).toBe(true);
    expect((error as DriverNotInstalledError).code).toBe('DRIVER_NOT_INSTALLED');
    expect((error as DriverNotInstalledError).packageName).toBe('inst-test-no-such-driver');
    expect((error as Error).message).toContain('npm install inst-test-no-such-driver');
    expect((error as Error).cause).toBeDefined();
  });

  it("Node's message for a backend whose driver is missing names the driver, not the backend", async () => {
    const nodeError = Object.assign(new Error("Cannot find package 'better-sqlite3' imported from /app/node_modules/@inst/storage-sqlite/dist/index.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await importBackend(() => Promise.reject(nodeError), ['better-sqlite3', '@inst/storage-sqlite'], 'SQLite storage').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverNotInstalledError);
    expect((error as DriverNotInstalledError).packageName).toBe('better-sqlite3');
    expect((error as Error).message).toBe('SQLite storage needs the better-sqlite3 package, which is not installed: run `npm install better-sqlite3`');
  });

  it('other failures while loading a backend are not disguised as a missing driver', async () => {
    const other = Object.assign(new Error("Cannot find package 'left-pad' imported from /x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importBackend(() => Promise.reject(other), ['pg'], 'Postgres storage')).rejects.toBe(other);
    const broken = new TypeError('boom');
    await expect(importBackend(() => Promise.reject(broken), ['pg'], 'Postgres storage')).rejects.toBe(broken);
  });

  it('the installed backends load', async () => {
    expect(typeof (await loadSqliteBackend()).openSqliteStorages).toBe('function');
    expect(typeof (await loadPostgresBackend()).openPostgresStorages).toBe('function');
  });
});
