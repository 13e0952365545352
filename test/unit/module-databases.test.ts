import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupByDatabase } from '../../src/config/database-groups.js';
import { databaseKey } from '../../src/config/database-key.js';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { expandEnv } from '../../src/config/expand-env.js';
import { resolveConfig } from '../../src/config/load-config.js';
import type { DatabaseTarget, ModkitConfig } from '../../src/config/types.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { UsageError } from '../../src/errors.js';

const FILE = '/app/modkit.config.json';
const resolve = (config: ModkitConfig, env: NodeJS.ProcessEnv = {}, databaseUrl?: string) =>
  resolveConfig(config, FILE, { cwd: '/cwd', env, ...(databaseUrl ? { databaseUrl } : {}) });
const pg = (url: string): DatabaseTarget => parseDatabaseUrl(url, 'config', '/app');

describe('expandEnv', () => {
  it('replaces ${NAME} references and leaves the rest alone', () => {
    expect(expandEnv('postgres://app:${PW}@${HOST}/app?x=$y', '"database.url"', { PW: 's3:cr', HOST: 'db' })).toEqual({
      value: 'postgres://app:s3:cr@db/app?x=$y',
      problems: [],
    });
  });

  it('names every unset or empty variable and where it was used', () => {
    const { problems } = expandEnv('${A}/${B}/${A}', '"modulesConfig.audit.database.url"', { B: '' });
    expect(problems).toEqual([
      '"modulesConfig.audit.database.url" uses ${A}, but the environment variable A is not set',
      '"modulesConfig.audit.database.url" uses ${B}, but the environment variable B is empty',
      '"modulesConfig.audit.database.url" uses ${A}, but the environment variable A is not set',
    ]);
  });

  it('refuses a ${ that is not a reference instead of passing it on as part of a URL', () => {
    expect(expandEnv('sqlite:${AUDIT-DIR}/a.db', '"x"', {}).problems[0]).toMatch(
      /has "\$\{AUDIT-DIR\}", which is not a \$\{NAME\} reference/,
    );
    expect(expandEnv('sqlite:${1}', '"x"', {}).problems).toHaveLength(1);
    expect(expandEnv('sqlite:${OPEN', '"x"', { OPEN: 'x' }).problems).toHaveLength(1);
  });
});

describe('validateConfig: modulesConfig.<name>.database', () => {
  it('accepts url, schema and runtimeUrl, and leaves the rest of a module config alone', () => {
    const { errors } = validateConfig({
      modulesConfig: {
        audit: {
          database: { url: 'sqlite:audit.db', schema: 'audit', runtimeUrl: 'sqlite:audit.db' },
          retentionDays: 30,
        },
        users: 5,
        other: null,
      },
    });
    expect(errors).toEqual([]);
  });

  it('reports every problem at once: a missing url, the Rust dsn key, a typo, a bad schema, a non-object', () => {
    const { errors } = validateConfig({
      modulesConfig: {
        audit: { database: { dsn: 'postgres://x@y/z' } },
        billing: { database: { url: '', shema: 'x', schema: '', runtimeUrl: 7 } },
        search: { database: 'postgres://x@y/z' },
      },
    });
    expect(errors).toEqual([
      'unknown key "modulesConfig.audit.database.dsn" (modkit calls the Rust runtime\'s "dsn" "url")',
      '"modulesConfig.audit.database.url" is missing: a module\'s own database needs a URL (when it comes from process.env, that variable is not set)',
      'unknown key "modulesConfig.billing.database.shema" (did you mean "schema"?)',
      '"modulesConfig.billing.database.url" must be a non-empty string, got ""',
      '"modulesConfig.billing.database.schema" must be a PostgreSQL schema name (1 to 63 characters), got ""',
      '"modulesConfig.billing.database.runtimeUrl" must be a non-empty string, got number 7',
      '"modulesConfig.search.database" must be an object like { url: \'...\' } (the module\'s own database), got "postgres://x@y/z"',
    ]);
  });
});

describe('resolveConfig: module databases', () => {
  const config: ModkitConfig = {
    database: { url: 'postgres://app@db/app' },
    modulesConfig: {
      audit: { database: { url: 'sqlite:data/audit.sqlite' }, retentionDays: 30 },
      users: { pageSize: 50 },
    },
  };

  it('resolves each module database beside the default one, relative SQLite paths against the config file', () => {
    const resolved = resolve(config);
    expect(resolved.database.url).toBe('postgres://app@db/app');
    expect(resolved.moduleDatabases).toEqual({
      audit: {
        target: {
          url: 'sqlite:data/audit.sqlite',
          engine: 'sqlite',
          source: 'config',
          filePath: '/app/data/audit.sqlite',
        },
      },
    });
  });

  it('takes `database` out of the module config handed to the module as ctx.config', () => {
    expect(resolve(config).modulesConfig).toEqual({ audit: { retentionDays: 30 }, users: { pageSize: 50 } });
  });

  it('--database-url and MODKIT_DATABASE_URL replace the default database only, never a module database', () => {
    const byFlag = resolve(config, { MODKIT_DATABASE_URL: 'postgres://env@db/env' }, 'postgres://flag@db/flag');
    expect(byFlag.database).toMatchObject({ url: 'postgres://flag@db/flag', source: 'flag' });
    expect(byFlag.moduleDatabases.audit!.target.url).toBe('sqlite:data/audit.sqlite');
    const byEnv = resolve(config, { MODKIT_DATABASE_URL: 'postgres://env@db/env' });
    expect(byEnv.database).toMatchObject({ url: 'postgres://env@db/env', source: 'env' });
    expect(byEnv.moduleDatabases.audit!.target.url).toBe('sqlite:data/audit.sqlite');
  });

  it('expands ${VAR} in the database settings of the config file, and schema too', () => {
    const resolved = resolve(
      {
        database: { url: 'postgres://app:${PW}@db/app', schema: '${SCHEMA}' },
        runtime: { url: 'postgres://rt:${RT_PW}@db/app' },
        modulesConfig: {
          audit: { database: { url: '${AUDIT_URL}', schema: 'audit_${TENANT}', runtimeUrl: '${AUDIT_RT}' } },
        },
      },
      {
        PW: 'pw',
        SCHEMA: 'modkit',
        RT_PW: 'rt',
        AUDIT_URL: 'postgres://a@db/audit',
        TENANT: 't1',
        AUDIT_RT: 'postgres://reader@db/audit',
      },
    );
    expect(resolved.database).toMatchObject({ url: 'postgres://app:pw@db/app', schema: 'modkit' });
    expect(resolved.runtimeUrl).toBe('postgres://rt:rt@db/app');
    expect(resolved.moduleDatabases.audit).toEqual({
      target: { url: 'postgres://a@db/audit', engine: 'postgres', source: 'config', schema: 'audit_t1' },
      runtimeUrl: 'postgres://reader@db/audit',
    });
  });

  it('lists every unset variable at once, naming the file and the setting', () => {
    const error = (() => {
      try {
        resolve({
          database: { url: '${APP_URL}' },
          modulesConfig: {
            audit: { database: { url: 'sqlite:${AUDIT_DIR}/a.db' } },
            search: { database: { url: 'mysqlx://x' } },
          },
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).problems).toEqual([
      `${FILE}: "database.url" uses \${APP_URL}, but the environment variable APP_URL is not set`,
      `${FILE}: "modulesConfig.audit.database.url" uses \${AUDIT_DIR}, but the environment variable AUDIT_DIR is not set`,
      expect.stringMatching(
        /^\/app\/modkit\.config\.json: "modulesConfig\.search\.database\.url": unknown database URL scheme "mysqlx:" in "mysqlx:\/\/x"/,
      ),
    ]);
  });

  it('an unset variable in a URL that a flag overrides is no error', () => {
    expect(resolve({ database: { url: '${APP_URL}' } }, {}, 'postgres://flag@db/x').database.url).toBe(
      'postgres://flag@db/x',
    );
  });

  it('an unset variable in a runtime URL is kept for the run that opens ctx.db, not raised now', () => {
    const resolved = resolve({
      database: { url: 'app.db' },
      runtime: { url: '${APP_RUNTIME_URL}' },
      modulesConfig: { audit: { database: { url: 'a.db', runtimeUrl: '${AUDIT_RT}' } } },
    });
    expect(resolved.runtimeUrl).toBeUndefined();
    expect(resolved.runtimeUrlProblem).toBe(
      `${FILE}: "runtime.url" uses \${APP_RUNTIME_URL}, but the environment variable APP_RUNTIME_URL is not set`,
    );
    expect(resolved.moduleDatabases.audit!.runtimeUrlProblem).toContain(
      '"modulesConfig.audit.database.runtimeUrl" uses ${AUDIT_RT}',
    );
  });
});

describe('databaseKey', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is the same for every spelling of one PostgreSQL database', () => {
    const key = databaseKey(pg('postgres://app@127.0.0.1:5432/shop'));
    for (const url of [
      'postgresql://app:secret@localhost/shop',
      'postgres://other@LOCALHOST:5432/shop?sslmode=disable',
      'postgres://app@[::1]/shop',
      'postgres://app:p%40ss@127.0.0.1/shop?application_name=x',
    ]) {
      expect(databaseKey(pg(url)), url).toBe(key);
    }
    // libpq: no database in the URL means the user's name.
    expect(databaseKey(pg('postgres://shop@127.0.0.1'))).toBe(key);
  });

  it('differs between databases, servers and ports', () => {
    const keys = [
      'postgres://a@db1/shop',
      'postgres://a@db1/audit',
      'postgres://a@db2/shop',
      'postgres://a@db1:5433/shop',
    ].map((u) => databaseKey(pg(u)));
    expect(new Set(keys).size).toBe(4);
  });

  it('is the real path of a SQLite file, however it is written, also before the file exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modkit-key-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'data'));
    symlinkSync(join(dir, 'data'), join(dir, 'link'));
    const key = databaseKey(parseDatabaseUrl('sqlite:data/a.sqlite', 'config', dir));
    expect(databaseKey(parseDatabaseUrl(`file:${dir}/data/a.sqlite`, 'flag', '/elsewhere'))).toBe(key);
    expect(databaseKey(parseDatabaseUrl(`${dir}/link/a.sqlite`, 'env', '/'))).toBe(key);
    expect(databaseKey(parseDatabaseUrl('sqlite:data/b.sqlite', 'config', dir))).not.toBe(key);
  });
});

describe('groupByDatabase', () => {
  const placement = (moduleUrls: Record<string, string>, defaultUrl = 'postgres://app@db/app') => ({
    database: pg(defaultUrl),
    moduleDatabases: Object.fromEntries(Object.entries(moduleUrls).map(([m, url]) => [m, { target: pg(url) }])),
  });

  it('one group per database, sorted by canonical key (the lock order), modules in the order given', () => {
    const groups = groupByDatabase(
      placement({ audit: 'sqlite:/srv/audit.sqlite', search: 'postgres://app@db/search' }),
      ['platform', 'audit', 'users', 'search', 'billing'],
    );
    expect(groups.map((g) => [g.key, g.isDefault, g.modules])).toEqual([
      ['postgres://db:5432/app', true, ['platform', 'users', 'billing']],
      ['postgres://db:5432/search', false, ['search']],
      ['sqlite:/srv/audit.sqlite', false, ['audit']],
    ]);
  });

  it('the lock order does not depend on which database is the default', () => {
    const a = groupByDatabase(placement({ b: 'sqlite:/srv/b.sqlite' }, 'postgres://app@db/app'), ['a', 'b']);
    const b = groupByDatabase(
      { database: pg('sqlite:/srv/b.sqlite'), moduleDatabases: { a: { target: pg('postgres://app@db/app') } } },
      ['a', 'b'],
    );
    expect(a.map((g) => g.key)).toEqual(b.map((g) => g.key));
    expect(a.map((g) => g.modules)).toEqual(b.map((g) => g.modules));
  });

  it('two spellings of one database are one group, connecting as the default database does', () => {
    const groups = groupByDatabase(placement({ audit: 'postgresql://app:pw@db:5432/app' }), ['platform', 'audit']);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.target.url).toBe('postgres://app@db/app');
    expect(groups[0]!.modules).toEqual(['platform', 'audit']);
  });

  it('only databases that hold one of the modules appear', () => {
    expect(
      groupByDatabase(placement({ audit: 'sqlite:/srv/audit.sqlite' }), ['audit']).map((g) => g.isDefault),
    ).toEqual([false]);
  });

  it('refuses one database named with different users (it would run some migrations as the wrong role)', () => {
    expect(() => groupByDatabase(placement({ audit: 'postgres://auditor@db/app' }), ['platform', 'audit'])).toThrow(
      /module "audit" and the default database name the same database \(PostgreSQL postgres:\/\/app@db\/app\) with different users, parameters or schemas/,
    );
  });
});
