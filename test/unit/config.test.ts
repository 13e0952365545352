import { describe, expect, it } from 'vitest';
import { engineOf, parseDatabaseUrl, passwordOf, redactUrl } from '../../src/config/database-url.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { validateConfig } from '../../src/config/validate-config.js';

describe('validateConfig', () => {
  it('accepts a full valid config', () => {
    const { errors } = validateConfig({
      modules: ['modules/*/module.ts'],
      database: { url: 'postgres://x@y/z' },
      runtime: { url: undefined },
      lockTimeoutMs: 1000,
      shutdownDeadlineMs: 0,
      modulesConfig: { users: { pageSize: 50 } },
    });
    expect(errors).toEqual([]);
  });

  it('reports every problem at once, with did-you-mean for unknown keys', () => {
    const { errors } = validateConfig({
      modules: 'modules/*',
      databse: {},
      runtime: { url: 5, uri: 'x' },
      lockTimeoutMs: -1,
      modulesConfig: [],
    });
    expect(errors).toEqual([
      'unknown key "databse" (did you mean "database"?)',
      '"modules" must be an array of non-empty glob strings, got "modules/*"',
      'unknown key "runtime.uri" (did you mean "url"?)',
      '"runtime.url" must be a non-empty string, got number 5',
      '"lockTimeoutMs" must be a non-negative number of milliseconds, got number -1',
      '"modulesConfig" must be an object keyed by module name, got an array',
    ]);
  });

  it('refuses a non-object export', () => {
    expect(validateConfig(null).errors).toEqual(['the config must export an object, got null']);
    expect(validateConfig([]).errors[0]).toContain('an array');
  });
});

describe('database URLs', () => {
  it('picks the engine from the scheme', () => {
    expect(engineOf('postgres://a@b/c')).toBe('postgres');
    expect(engineOf('postgresql://a@b/c')).toBe('postgres');
    expect(engineOf('sqlite:./x.db')).toBe('sqlite');
    expect(engineOf('file:/tmp/x')).toBe('sqlite');
    expect(engineOf('./data/app.sqlite')).toBe('sqlite');
    expect(engineOf('app.db')).toBe('sqlite');
    expect(() => engineOf('mysql://root:pw@h/db')).toThrow(/unknown database URL scheme in "mysql:\/\/root:\*\*\*@h\/db"/);
  });

  it('resolves relative SQLite paths against the given base dir', () => {
    expect(parseDatabaseUrl('sqlite:data/x.sqlite', 'config', '/app').sqlitePath).toBe('/app/data/x.sqlite');
    expect(parseDatabaseUrl('sqlite:///abs/x.sqlite', 'flag', '/cwd').sqlitePath).toBe('/abs/x.sqlite');
    expect(parseDatabaseUrl('file:/abs/y.db', 'flag', '/cwd').sqlitePath).toBe('/abs/y.db');
    expect(parseDatabaseUrl('sqlite::memory:', 'flag', '/cwd').sqlitePath).toBe(':memory:');
    expect(parseDatabaseUrl('x.db', 'env', '/cwd').sqlitePath).toBe('/cwd/x.db');
  });

  it('redacts passwords in the authority and in parameters', () => {
    expect(redactUrl('postgres://app:s3cret@host:5432/db')).toBe('postgres://app:***@host:5432/db');
    expect(redactUrl('postgres://app@host/db')).toBe('postgres://app@host/db');
    expect(redactUrl('postgres://host/db?user=a&password=s3cret&x=1')).toBe('postgres://host/db?user=a&password=***&x=1');
    expect(passwordOf('postgres://app:p%40ss@host/db')).toBe('p@ss');
    expect(redactUrl('postgres://app:sec@ret@127.0.0.1:1/db')).toBe('postgres://app:***@127.0.0.1:1/db');
    expect(redactUrl('postgres://app:a:b@c@host/db?sslmode=require')).toBe('postgres://app:***@host/db?sslmode=require');
    expect(redactUrl('postgres://host:5432/db')).toBe('postgres://host:5432/db');
  });
});

describe('config precedence: defaults < file < env < flags', () => {
  const file = '/proj/modkit.config.ts';
  const base = { cwd: '/cwd', env: {} as NodeJS.ProcessEnv };

  it('defaults to the embedded SQLite file beside the config', () => {
    const config = resolveConfig({}, file, base);
    expect(config.database).toMatchObject({ engine: 'sqlite', source: 'default', sqlitePath: '/proj/.modkit/modkit.sqlite' });
    expect(config.lockTimeoutMs).toBe(60_000);
    expect(config.shutdownDeadlineMs).toBe(35_000);
  });

  it('the config file beats defaults, the env beats the file, flags beat the env', () => {
    const fromFile = { database: { url: 'postgres://file@h/db' }, lockTimeoutMs: 5 };
    expect(resolveConfig(fromFile, file, base).database.source).toBe('config');
    const env = { MODKIT_DATABASE_URL: 'postgres://env@h/db' } as NodeJS.ProcessEnv;
    expect(resolveConfig(fromFile, file, { ...base, env }).database).toMatchObject({ url: 'postgres://env@h/db', source: 'env' });
    const flagged = resolveConfig(fromFile, file, { ...base, env, databaseUrl: 'sqlite:x.db', lockTimeoutMs: 9 });
    expect(flagged.database).toMatchObject({ engine: 'sqlite', source: 'flag', sqlitePath: '/cwd/x.db' });
    expect(flagged.lockTimeoutMs).toBe(9);
    expect(resolveConfig(fromFile, file, base).lockTimeoutMs).toBe(5);
  });
});
