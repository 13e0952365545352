import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/index.js';
import { historyTableName } from '../../src/db/history-table-name.js';
import type { ModkitError } from '../../src/errors.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import {
  createTarget,
  ENGINES,
  hasTransactionalDdl,
  queryTarget,
  tableNames,
  type TestTarget,
} from '../support/engines.js';

describe.each(ENGINES)('verification before migrate on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const setup = async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_a.sql': 'CREATE TABLE a (id INTEGER);',
          '0003_c.sql': 'CREATE TABLE c (id INTEGER);',
        },
      },
      { name: 'users', deps: ['core'], migrations: { '0001_u.sql': 'CREATE TABLE u (id INTEGER);' } },
    ]);
    const options = { configPath: project.configPath, databaseUrl: target.url };
    const first = await migrate(options);
    expect(first.result.error).toBeUndefined();
    return options;
  };
  const refusal = async (options: Parameters<typeof migrate>[0]) => {
    const error = await migrate(options).then(
      () => undefined,
      (e: ModkitError) => e,
    );
    expect(error?.kind).toBe('validation');
    expect(error?.exitCode).toBe(4);
    return error!;
  };

  it('refuses drift, missing and out-of-order together, listing every offender, until each is allowed', async () => {
    const options = await setup();
    await project.write('modules/core/migrations/0001_a.sql', 'CREATE TABLE a (id INTEGER, changed INTEGER);');
    await project.remove('modules/users/migrations/0001_u.sql');
    await project.write('modules/users/migrations/0002_u2.sql', 'CREATE TABLE u2 (id INTEGER);');
    await project.write('modules/core/migrations/0002_b.sql', 'CREATE TABLE b (id INTEGER);');
    const error = await refusal(options);
    expect(error.message).toContain('[drift]');
    expect(error.message).toContain(project.migrationPath('core', '0001_a.sql'));
    expect(error.message).toContain('[missing] module "users": migration 0001_u');
    expect(error.message).toContain('[out-of-order] module "core": pending migration 0002_b sorts before 0003_c');
    expect(error.message).toContain('--allow-drift / --allow-missing / --allow-out-of-order');
    expect(await tableNames(target)).not.toContain('b');

    await refusal({ ...options, allow: { drift: true, missing: true } });
    const { result } = await migrate({ ...options, allow: { drift: true, missing: true, outOfOrder: true } });
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => `${r.module}/${r.id}`)).toEqual(['core/0002_b', 'users/0002_u2']);
  });

  it('refuses a dirty module and no flag overrides it', async () => {
    const options = await setup();
    await queryTarget(target, `UPDATE ${await historyTableName('users')} SET state = 'started'`);
    const error = await refusal({ ...options, allow: { drift: true, missing: true, outOfOrder: true } });
    expect(error.message).toContain('module "users" is dirty');
    expect(error.message).toContain('modkit repair --module users');
  });

  it('refuses a script migration without up before applying anything', async () => {
    const options = await setup();
    await project.write('modules/core/migrations/0004_d.sql', 'CREATE TABLE d (id INTEGER);');
    await project.write('modules/users/migrations/0002_noup.mjs', 'export async function down() {}');
    const error = await migrate(options).then(
      () => undefined,
      (e: ModkitError) => e,
    );
    expect(error?.kind).toBe('usage');
    expect(error?.message).toContain('does not export an up(db) function');
    expect(await tableNames(target)).not.toContain('d');
  });

  it('--tx-mode all leaves the database exactly as before when a late migration fails', async () => {
    const options = await setup();
    await project.write('modules/core/migrations/0004_d.sql', 'CREATE TABLE d (id INTEGER);');
    await project.write(
      'modules/users/migrations/0002_bad.sql',
      'CREATE TABLE e (id INTEGER);\nINSERT INTO nowhere VALUES (1);',
    );
    const before = await tableNames(target);
    const { result } = await migrate({ ...options, txMode: 'all' });
    if (!hasTransactionalDdl(engine)) {
      // DDL commits implicitly: one transaction could not undo the run, so it is refused up front.
      expect(result.error?.kind).toBe('usage');
      expect(result.error?.message).toContain('--tx-mode all needs transactional DDL');
      expect(await tableNames(target)).toEqual(before);
      return;
    }
    expect(result.error?.kind).toBe('migration-failed');
    expect(result.results.map((r) => r.status)).toEqual(['rolled-back', 'failed']);
    expect(await tableNames(target)).toEqual(before);
    const rows = await queryTarget(target, `SELECT version FROM ${await historyTableName('core')} ORDER BY version`);
    expect(rows).toEqual([{ version: '0001_a' }, { version: '0003_c' }]);
  });

  it('--tx-mode all refuses up front when a pending migration is no-transaction', async () => {
    const options = await setup();
    await project.write('modules/core/migrations/0004_d.sql', 'CREATE TABLE d (id INTEGER);');
    await project.write(
      'modules/users/migrations/0002_nt.sql',
      '-- modkit:no-transaction\nCREATE TABLE nt (id INTEGER);',
    );
    const error = await migrate({ ...options, txMode: 'all' }).then(
      () => undefined,
      (e: ModkitError) => e,
    );
    expect(error?.message).toContain('marked no-transaction: users/0002_nt');
    expect(await tableNames(target)).not.toContain('d');
  });
});
