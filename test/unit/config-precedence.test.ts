import { describe, expect, it } from 'vitest';
import { groupBySameDatabase } from '../../src/config/database-groups.js';
import { resolveConfig } from '../../src/config/load-config.js';
import type { ModkitConfig, ResolvedConfig } from '../../src/config/types.js';
import { validateConfig } from '../../src/config/validate-config.js';

/** Issue 19 §4 and issue 23 #7: the one precedence, with DATABASE_URL and named environments. */
const FILE = '/proj/modkit.config.ts';
const resolve = (
  config: ModkitConfig,
  env: Record<string, string> = {},
  more: Partial<Parameters<typeof resolveConfig>[2]> = {},
): ResolvedConfig => resolveConfig(config, FILE, { cwd: '/cwd', env, ...more });

describe('the database to migrate', () => {
  it('flag > --env database > MODKIT_DATABASE_URL > database.url > DATABASE_URL > embedded', () => {
    const config: ModkitConfig = {
      database: { url: 'postgres://file@h/db' },
      environments: { prod: { database: { url: 'postgres://prod@h/db' } } },
    };
    const env = { MODKIT_DATABASE_URL: 'postgres://env@h/db', DATABASE_URL: 'postgres://conv@h/db' };
    expect(
      resolve(config, env, { databaseUrl: 'postgres://flag@h/db', databaseUrlFrom: '--url', environment: 'prod' })
        .database,
    ).toMatchObject({ url: 'postgres://flag@h/db', origin: '--url' });
    expect(resolve(config, env, { environment: 'prod' }).database).toMatchObject({
      url: 'postgres://prod@h/db',
      origin: 'environments.prod in the config',
      notUsed: ['MODKIT_DATABASE_URL'],
    });
    expect(resolve(config, env).database).toMatchObject({ url: 'postgres://env@h/db', origin: 'MODKIT_DATABASE_URL' });
    expect(resolve(config, { DATABASE_URL: env.DATABASE_URL }).database).toMatchObject({
      url: 'postgres://file@h/db',
      origin: 'the config',
    });
    expect(resolve({}, { DATABASE_URL: env.DATABASE_URL }).database).toMatchObject({
      url: 'postgres://conv@h/db',
      source: 'env',
      origin: 'DATABASE_URL',
    });
    expect(resolve({}).database).toMatchObject({ source: 'default', filePath: '/proj/.modkit/modkit.sqlite' });
  });

  it('DATABASE_URL that is a runtime URL of the config is refused; fleet targets name the databases instead', () => {
    const url = 'postgres://app@h/db';
    expect(() => resolve({ runtime: { url: '${DATABASE_URL}' } }, { DATABASE_URL: url })).toThrow(
      /DATABASE_URL is the config's runtime URL/,
    );
    expect(() =>
      resolve({ modulesConfig: { a: { database: { url: 'a.db', runtimeUrl: url } } } }, { DATABASE_URL: url }),
    ).toThrow(/migrations need their own URL/);
    expect(() => resolve({}, { DATABASE_URL: ' ' })).toThrow(/^DATABASE_URL is set but empty/);
    expect(resolve({ targets: ['postgres://t@h/a'] }, { DATABASE_URL: url }).database.source).toBe('default');
  });

  it('the embedded default only when nothing is configured: a runtime URL or --env alone is refused, unless no database is opened', () => {
    expect(() => resolve({ runtime: { url: 'postgres://app@h/db' } })).toThrow(
      /the config sets runtime.url .*nothing names the database to migrate/,
    );
    expect(resolve({ runtime: { url: 'postgres://app@h/db' } }, {}, { needsDatabase: false }).database.source).toBe(
      'default',
    );
    expect(() => resolve({ environments: { dev: { lockTimeoutMs: 1 } } }, {}, { environment: 'dev' })).toThrow(
      /--env dev is given, but nothing names the database/,
    );
  });

  it('a URL that still holds ${VAR} is refused whatever its source', () => {
    expect(() => resolve({}, { MODKIT_DATABASE_URL: 'postgres://u@${HOST}/db' })).toThrow(
      /^MODKIT_DATABASE_URL: "postgres:\/\/u@\$\{HOST\}\/db" still holds \$\{HOST\}/,
    );
    expect(() => resolve({}, {}, { databaseUrl: 'mysql://u:${PW}@h/db', databaseUrlFrom: '--url' })).toThrow(
      /^--url: .*unexpanded \$\{…\} reference in its password/,
    );
    expect(() => resolve({ database: { url: '${A}' } }, { A: 'postgres://u@${B}/db' })).toThrow(
      /"database.url": .*still holds \$\{B\}/,
    );
  });
});

describe('named environments', () => {
  const config: ModkitConfig = {
    database: { url: 'postgres://dev@h/db', schema: 'app' },
    lockTimeoutMs: 10,
    modulesConfig: {
      audit: { database: { url: 'postgres://dev@h/audit', runtimeUrl: 'postgres://rt@h/audit' }, pageSize: 5 },
    },
    environments: {
      prod: {
        database: { url: 'postgres://prod@h/db' },
        lockTimeoutMs: 99,
        modulesConfig: { audit: { database: { url: 'postgres://prod@h/audit' } } },
      },
      broken: { database: { url: undefined } },
    },
  };

  it('lays the environment over the config: objects merge key by key, other values replace', () => {
    const prod = resolve(config, {}, { environment: 'prod' });
    expect(prod.database).toMatchObject({ url: 'postgres://prod@h/db', schema: 'app' });
    expect(prod.lockTimeoutMs).toBe(99);
    expect(prod.moduleDatabases.audit).toMatchObject({
      target: { url: 'postgres://prod@h/audit' },
      runtimeUrl: 'postgres://rt@h/audit',
    });
    expect(prod.modulesConfig.audit).toEqual({ pageSize: 5 });
    expect(prod.environment).toBe('prod');
    expect(resolve(config).lockTimeoutMs).toBe(10);
  });

  it('an undefined URL in the environment is an error, never the config URL', () => {
    expect(() => resolve(config, {}, { environment: 'broken' })).toThrow(
      /"environments.broken.database.url" is undefined/,
    );
  });

  it('unknown names are exit 2 with a suggestion; each block is checked as the config is', () => {
    expect(() => resolve(config, {}, { environment: 'prdo' })).toThrow(
      /defines no environment "prdo" \(did you mean "prod"\?\)/,
    );
    expect(() => resolve(config, {}, { environment: 'pr' })).toThrow(/\(did you mean "prod"\?\)/);
    expect(
      validateConfig({ environments: { prod: { modules: ['x'], databse: {}, lockTimeoutMs: -1 } } }).errors,
    ).toEqual([
      'unknown key "environments.prod.modules" (modules are the project\'s, the same in every environment)',
      'unknown key "environments.prod.databse" (did you mean "database"?)',
      '"environments.prod.lockTimeoutMs" must be a non-negative number of milliseconds, got number -1',
    ]);
  });
});

describe('one database spelled two ways (groupBySameDatabase)', () => {
  const placement = (extra: Record<string, string>) =>
    resolve({
      database: { url: 'postgres://u@127.0.0.1/app' },
      modulesConfig: Object.fromEntries(Object.entries(extra).map(([m, url]) => [m, { database: { url } }])),
    });

  it('merges groups whose server says they are one database, keeping module order and the default target', async () => {
    const asked: string[] = [];
    const identify = async (target: { url: string }) => (asked.push(target.url), 'cluster-1/app');
    const groups = await groupBySameDatabase(
      placement({ audit: 'postgres://u@127.1/app' }),
      ['core', 'audit', 'billing'],
      identify,
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      isDefault: true,
      modules: ['core', 'audit', 'billing'],
      target: { url: 'postgres://u@127.0.0.1/app' },
    });
    expect(asked.sort()).toEqual(['postgres://u@127.0.0.1/app', 'postgres://u@127.1/app']);
  });

  it('asks nothing when no two databases could be one; keeps them apart when the servers differ', async () => {
    const never = async () => {
      throw new Error('asked');
    };
    expect(
      await groupBySameDatabase(placement({ audit: 'postgres://u@127.1/audit' }), ['core', 'audit'], never),
    ).toHaveLength(2);
    let n = 0;
    const distinct = async () => `server-${n++}/app`;
    expect(
      await groupBySameDatabase(placement({ audit: 'postgres://u@db2/app' }), ['core', 'audit'], distinct),
    ).toHaveLength(2);
  });
});

describe('commands that open no database', () => {
  it('take DATABASE_URL for its engine when it could be used, and never refuse it', () => {
    const url = 'postgres://app@h/db';
    expect(resolve({}, { DATABASE_URL: url }, { needsDatabase: false }).database).toMatchObject({
      engine: 'postgres',
      origin: 'DATABASE_URL',
    });
    expect(resolve({ runtime: { url } }, { DATABASE_URL: url }, { needsDatabase: false }).database.source).toBe(
      'default',
    );
  });
});
