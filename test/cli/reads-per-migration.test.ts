/**
 * Each SQL file is read once in a `migrate`, when the project is discovered (its checksum): the
 * run executes those same bytes (modules/discovered-bytes.ts), and the refusal of transaction
 * control, the lint (a PostgreSQL CREATE INDEX goes to the parser) and the step that runs it share
 * one body (modules/body-cache.ts). Counted at fs.readFileSync in the CLI process, on every
 * engine, with the migrations really applied; and, through the library, a file changed after the
 * project was loaded runs as it was when checksummed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFixtureProject } from '../support/project-fixture.js';
import { BIN } from '../support/run-cli.js';
import { createTarget, ENGINES, queryTarget, tableNames } from '../support/engines.js';
import { checksumOf } from '../../src/modules/checksum.js';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { loadProject, migrateProject } from '../../src/index.js';

const PRELOAD = fileURLToPath(new URL('../support/count-file-reads.cjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'modkit-reads-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI; returns how many times each .sql file was read. */
function sqlReads(args: readonly string[]): Record<string, number> {
  const file = join(scratch, `reads-${Math.random().toString(36).slice(2)}.json`);
  const run = spawnSync(process.execPath, ['--require', PRELOAD, BIN, ...args], {
    env: { ...process.env, MODKIT_COUNT_READS_FILE: file, MODKIT_DATABASE_URL: undefined },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
}

describe.each(ENGINES)('file reads of a migrate on %s', (engine) => {
  it('reads each file once, pending or applied', async () => {
    const target = await createTarget(engine);
    const project = await createFixtureProject([
      {
        name: 'core',
        system: true,
        migrations: {
          '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY, name VARCHAR(100));',
          '0002_a_name.sql': 'CREATE INDEX a_name ON a (name);',
        },
      },
      { name: 'app', deps: ['core'], migrations: { '0001_b.sql': 'CREATE TABLE b (id INTEGER PRIMARY KEY);' } },
    ]);
    try {
      const args = ['migrate', '--only', '-c', project.configPath, '--database-url', target.url];
      const files = [
        project.migrationPath('core', '0001_a.sql'),
        project.migrationPath('core', '0002_a_name.sql'),
        project.migrationPath('app', '0001_b.sql'),
      ];
      const apply = sqlReads(args);
      expect(await tableNames(target)).toEqual(expect.arrayContaining(['a', 'b']));
      for (const file of files) expect(apply[file], file).toBe(1);

      const noop = sqlReads(args);
      for (const file of files) expect(noop[file], file).toBe(1);
    } finally {
      await project.cleanup();
      await target.dispose();
    }
  });

  it('runs the bytes it checksummed, even if the file changes after the project loaded', async () => {
    const target = await createTarget(engine);
    const original = 'CREATE TABLE kept (id INTEGER PRIMARY KEY);';
    const project = await createFixtureProject([
      { name: 'core', system: true, migrations: { '0001_t.sql': original } },
    ]);
    try {
      const loaded = await loadProject({ configPath: project.configPath, env: { MODKIT_DATABASE_URL: target.url } });
      await project.write('modules/core/migrations/0001_t.sql', 'CREATE TABLE edited (id INTEGER PRIMARY KEY);');
      const { result } = await migrateProject(loaded);
      expect(result.error).toBeUndefined();
      const tables = await tableNames(target);
      expect(tables).toContain('kept');
      expect(tables).not.toContain('edited');
      const rows = await queryTarget<{ checksum: string }>(
        target,
        `SELECT checksum FROM ${historyTableNameSync('core')}`,
      );
      expect(rows.map((r) => r.checksum)).toEqual([checksumOf(original)]);
    } finally {
      await project.cleanup();
      await target.dispose();
    }
  });

  it('refuses a large file (not kept) that changed after the project loaded, running nothing', async () => {
    const target = await createTarget(engine);
    const padding = `-- ${'x'.repeat(100)}\n`.repeat(200); // over the 16 KB discovery keeps
    const project = await createFixtureProject([
      {
        name: 'core',
        system: true,
        migrations: { '0001_t.sql': `${padding}CREATE TABLE kept (id INTEGER PRIMARY KEY);` },
      },
    ]);
    try {
      const loaded = await loadProject({ configPath: project.configPath, env: { MODKIT_DATABASE_URL: target.url } });
      await project.write(
        'modules/core/migrations/0001_t.sql',
        `${padding}CREATE TABLE edited (id INTEGER PRIMARY KEY);`,
      );
      const failure = await migrateProject(loaded).then(
        () => undefined,
        (error: unknown) => error as Error & { exitCode?: number },
      );
      expect(failure?.message).toMatch(/changed while modkit was running.*did not run it/s);
      expect(failure?.exitCode).toBe(4);
      const tables = await tableNames(target);
      expect(tables).not.toContain('edited');
      expect(tables).not.toContain('kept');
    } finally {
      await project.cleanup();
      await target.dispose();
    }
  });
});
