import { describe, expect, it } from 'vitest';
import { ConfigError } from '@inst/errors';
import { pgConfigFrom, pgConfigFromUrl, pgUrlFromFields, redactUrl } from './config.js';

describe('connection config', () => {
  it('accepts postgres URLs, also SQLAlchemy-style ones', () => {
    expect(pgConfigFromUrl('postgresql://u:p@h:5433/db')).toEqual({ connectionString: 'postgresql://u:p@h:5433/db' });
    expect(pgConfigFromUrl('postgres://u@h/db')).toEqual({ connectionString: 'postgresql://u@h/db' });
    expect(pgConfigFromUrl('postgresql+psycopg2://u:p@h/db?sslmode=require')).toEqual({
      connectionString: 'postgresql://u:p@h/db?sslmode=require',
    });
  });

  it('rejects other URLs without echoing the password', () => {
    expect(() => pgConfigFromUrl('mysql://u:secret@h/db')).toThrow(ConfigError);
    expect(() => pgConfigFromUrl('mysql://u:secret@h/db')).toThrow(/mysql:\/\/u:\*\*\*@h\/db/);
  });

  it("builds Dagster's URL from postgres_db fields", () => {
    expect(pgUrlFromFields({ username: 'test', password: 'p@ss/w:rd', hostname: 'db.local', dbName: 'dagster' })).toBe(
      'postgresql://test:p%40ss%2Fw%3Ard@db.local:5432/dagster',
    );
    expect(
      pgUrlFromFields({ username: 'u', password: 'p', hostname: 'h', dbName: 'd', port: 6543, params: { sslmode: 'require', connect_timeout: 5 } }),
    ).toBe('postgresql://u:p@h:6543/d?sslmode=require&connect_timeout=5');
    expect(pgConfigFrom({ username: 'u', hostname: 'h', dbName: 'd' })).toEqual({ connectionString: 'postgresql://u:@h:5432/d' });
  });

  it('reports every missing field at once', () => {
    try {
      pgUrlFromFields({ username: '', hostname: '', dbName: '', port: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(4);
    }
  });

  it('redacts passwords', () => {
    expect(redactUrl('postgresql://u:secret@h/db')).toBe('postgresql://u:***@h/db');
    expect(redactUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
  });
});
