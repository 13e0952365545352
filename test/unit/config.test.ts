import { describe, expect, it } from 'vitest';
import { engineOf, parseDatabaseUrl, redactUrl } from '../../src/config/database-url.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { awkwardUrls, leakedFragments } from '../support/awkward-urls.js';

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
    expect(engineOf('POSTGRES://a@b/c')).toBe('postgres');
    expect(engineOf('sqlite:./x.db')).toBe('sqlite');
    expect(engineOf('file:/tmp/x')).toBe('sqlite');
    expect(engineOf('./data/app.sqlite')).toBe('sqlite');
    expect(engineOf('/abs/app.sqlite3')).toBe('sqlite');
    expect(engineOf('app.db')).toBe('sqlite');
    expect(engineOf('C:\\data\\app.db')).toBe('sqlite');
  });

  it('refuses an unknown scheme whatever the suffix; mysql:// and mariadb:// are MariaDB/MySQL', () => {
    expect(() => engineOf('http://example.com/foo.db')).toThrow(
      /unknown database URL scheme "http:" in "http:\/\/example.com\/foo.db"/,
    );
    expect(() => engineOf('postgress://u:pw@h/db')).toThrow(
      /unknown database URL scheme "postgress:" in "postgress:\/\/u:\*\*\*@h\/db"/,
    );
    expect(() => engineOf('s3://bucket/app.sqlite')).toThrow(/unknown database URL scheme "s3:"/);
    expect(engineOf('mysql://root:pw@h/db')).toBe('mysql');
    expect(engineOf('MariaDB://root@h/db')).toBe('mysql');
    expect(() => engineOf('localhost/db')).toThrow(/"localhost\/db" is not a database URL/);
    // The "scheme" of `user:secret@host` is a user name: the message does not repeat it.
    expect(() => engineOf('app:pw@h/db.db')).toThrow(/^unknown database URL scheme in "\*\*\*@h\/db.db"/);
  });

  it('refuses a user or password in a SQLite URL, which would become part of a file name', () => {
    expect(() => parseDatabaseUrl('sqlite://app:Sl8qPw@localhost/app.db', 'flag', '/cwd')).toThrow(
      /^a SQLite URL takes a file path, not a user, password or host: "sqlite:\/\/app:\*\*\*@localhost\/app.db"/,
    );
    expect(parseDatabaseUrl('sqlite:/data/a@b.db', 'flag', '/cwd').filePath).toBe('/data/a@b.db');
  });

  it('resolves relative SQLite paths against the given base dir', () => {
    expect(parseDatabaseUrl('sqlite:data/x.sqlite', 'config', '/app').filePath).toBe('/app/data/x.sqlite');
    expect(parseDatabaseUrl('sqlite:///abs/x.sqlite', 'flag', '/cwd').filePath).toBe('/abs/x.sqlite');
    expect(parseDatabaseUrl('file:/abs/y.db', 'flag', '/cwd').filePath).toBe('/abs/y.db');
    expect(parseDatabaseUrl('sqlite::memory:', 'flag', '/cwd').filePath).toBe(':memory:');
    expect(parseDatabaseUrl('x.db', 'env', '/cwd').filePath).toBe('/cwd/x.db');
  });

  it('redacts passwords in the authority and in parameters', () => {
    expect(redactUrl('postgres://app:s3cret@host:5432/db')).toBe('postgres://app:***@host:5432/db');
    expect(redactUrl('postgres://app@host/db')).toBe('postgres://app@host/db');
    expect(redactUrl('postgres://app:@host/db')).toBe('postgres://app:***@host/db');
    expect(redactUrl('postgres://host/db?user=a&password=s3cret&x=1')).toBe(
      'postgres://host/db?user=a&password=***&x=1',
    );
    expect(redactUrl('postgres://host/db?sslpassword=a#b&x=1')).toBe('postgres://host/db?sslpassword=***&x=1');
    expect(redactUrl('postgres://app:sec@ret@127.0.0.1:1/db')).toBe('postgres://app:***@127.0.0.1:1/db');
    expect(redactUrl('postgres://app:a:b@c@host/db?sslmode=require')).toBe(
      'postgres://app:***@host/db?sslmode=require',
    );
    expect(redactUrl('postgres://host:5432/db')).toBe('postgres://host:5432/db');
    expect(redactUrl('sqlite:/tmp/a:b@c.db')).toBe('sqlite:/tmp/a:b@c.db');
    expect(redactUrl('/tmp/x@y.sqlite')).toBe('/tmp/x@y.sqlite');
  });

  it('prints nothing of an ambiguous userinfo: a raw / ? # before the last @, or no //', () => {
    expect(redactUrl('postgres://u:pa/ss@host/db')).toBe('postgres://***@host/db');
    expect(redactUrl('postgres://u:pa?ss@host/db')).toBe('postgres://***@host/db');
    expect(redactUrl('postgres://u:pa#ss@host/db')).toBe('postgres://***@host/db');
    expect(redactUrl('postgres://u@host:5432/db?application_name=a@b')).toBe('postgres://***@b');
    expect(redactUrl('postgres://u@host/db?application_name=a@b')).toBe('postgres://u@host/db?application_name=a@b');
    expect(redactUrl('postgres:u:pw@host/db')).toBe('postgres:***@host/db');
    expect(redactUrl('u:pw@host/db')).toBe('***@host/db');
    expect(redactUrl('host=h password=se cret dbname=d')).toBe('host=h password=*** dbname=d');
  });

  it('holds for every URL of the awkward corpus', () => {
    for (const entry of awkwardUrls('127.0.0.1:5432', 'app', 'db')) {
      expect(leakedFragments(entry, redactUrl(entry.url)), entry.name).toEqual([]);
    }
  });
});

describe('config precedence: defaults < file < env < flags', () => {
  const file = '/proj/modkit.config.ts';
  const base = { cwd: '/cwd', env: {} as NodeJS.ProcessEnv };

  it('defaults to the embedded SQLite file beside the config', () => {
    const config = resolveConfig({}, file, base);
    expect(config.database).toMatchObject({
      engine: 'sqlite',
      source: 'default',
      filePath: '/proj/.modkit/modkit.sqlite',
    });
    expect(config.lockTimeoutMs).toBe(60_000);
    expect(config.shutdownDeadlineMs).toBe(35_000);
  });

  it('the config file beats defaults, the env beats the file, flags beat the env', () => {
    const fromFile = { database: { url: 'postgres://file@h/db' }, lockTimeoutMs: 5 };
    expect(resolveConfig(fromFile, file, base).database.source).toBe('config');
    const env = { MODKIT_DATABASE_URL: 'postgres://env@h/db' } as NodeJS.ProcessEnv;
    expect(resolveConfig(fromFile, file, { ...base, env }).database).toMatchObject({
      url: 'postgres://env@h/db',
      source: 'env',
    });
    const flagged = resolveConfig(fromFile, file, { ...base, env, databaseUrl: 'sqlite:x.db', lockTimeoutMs: 9 });
    expect(flagged.database).toMatchObject({ engine: 'sqlite', source: 'flag', filePath: '/cwd/x.db' });
    expect(flagged.lockTimeoutMs).toBe(9);
    expect(resolveConfig(fromFile, file, base).lockTimeoutMs).toBe(5);
  });

  it('an empty value given explicitly is an error, never a fallback', () => {
    const fromFile = { database: { url: 'postgres://file@h/db' } };
    for (const databaseUrl of ['', '  ']) {
      expect(() => resolveConfig({}, file, { ...base, databaseUrl })).toThrow(/^the databaseUrl option is empty/);
      expect(() => resolveConfig(fromFile, file, { ...base, databaseUrl, databaseUrlFrom: '--url' })).toThrow(
        /^--url is empty/,
      );
    }
    const emptyEnv = { MODKIT_DATABASE_URL: '' } as NodeJS.ProcessEnv;
    expect(() => resolveConfig({}, file, { ...base, env: emptyEnv })).toThrow(/^MODKIT_DATABASE_URL is set but empty/);
    expect(() => resolveConfig(fromFile, file, { ...base, env: emptyEnv })).toThrow(
      /^MODKIT_DATABASE_URL is set but empty/,
    );
    // A flag overrides the env var, empty or not: the variable is not used, so it is no error.
    expect(resolveConfig({}, file, { ...base, env: emptyEnv, databaseUrl: 'sqlite:x.db' }).database.source).toBe(
      'flag',
    );
    // Unset (not empty) falls through as always.
    expect(resolveConfig({}, file, base).database.source).toBe('default');
    expect(validateConfig({ database: { url: '' } }).errors).toEqual([
      '"database.url" is empty (""; an environment variable set to ""?): give a URL, or leave it undefined',
    ]);
  });

  it('checks the scheme of runtime.url at load, before anything runs', () => {
    expect(() => resolveConfig({ runtime: { url: 'http://app:pw@h/x.db' } }, file, base)).toThrow(
      /^unknown database URL scheme "http:" in "http:\/\/app:\*\*\*@h\/x.db"/,
    );
  });
});
