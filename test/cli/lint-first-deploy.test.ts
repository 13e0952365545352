/**
 * Quiet where nothing is live: a first deploy of a project of 120 migrations on an empty database
 * prints no lint warning, though the same files draw hundreds of warnings from `modkit lint`
 * (which judges each file as the next deploy of a live database would meet it). The next deploy,
 * against the tables the first one created, is warned again: the live catalog says they exist.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = target = undefined;
});

const MODULES = 6;
const STEPS = 20;

/** Module k's migrations: a table, then 19 changes of the kinds that lock or rewrite a live table. */
function migrations(k: number): Record<string, string> {
  const t = `m${k}_items`;
  const changes = [
    `CREATE INDEX ${t}_name ON ${t} (name);`,
    `ALTER TABLE ${t} ADD COLUMN code text NOT NULL;`,
    `ALTER TABLE ${t} ALTER COLUMN qty TYPE bigint;`,
    `ALTER TABLE ${t} ADD COLUMN token uuid DEFAULT gen_random_uuid();`,
    `ALTER TABLE ${t} ADD CONSTRAINT ${t}_qty_positive CHECK (qty >= 0);`,
    `ALTER TABLE ${t} ALTER COLUMN name SET NOT NULL;`,
    `ALTER TABLE ${t} ADD CONSTRAINT ${t}_code_key UNIQUE (code);`,
    `CREATE UNIQUE INDEX ${t}_token ON ${t} (token);`,
    `ALTER TABLE ${t} ADD COLUMN parent_id int REFERENCES ${t} (id);`,
    `ALTER TABLE ${t} ADD COLUMN pct int CHECK (pct BETWEEN 0 AND 100);`,
    `LOCK TABLE ${t} IN SHARE MODE;`,
    `DROP INDEX ${t}_name;`,
    `REINDEX TABLE ${t};`,
    `ALTER TABLE ${t} ALTER COLUMN price TYPE numeric(12,4);`,
    `ALTER TABLE ${t} ADD COLUMN seq bigserial;`,
    `DO $$ BEGIN ALTER TABLE ${t} ALTER COLUMN qty TYPE numeric; END $$;`,
    `ALTER TABLE ${t} ADD COLUMN note varchar(20);\nALTER TABLE ${t} ALTER COLUMN note TYPE varchar(10);`,
    `CREATE MATERIALIZED VIEW ${t}_totals AS SELECT count(*) AS n FROM ${t};\nREFRESH MATERIALIZED VIEW ${t}_totals;`,
    `ALTER TABLE ${t} SET UNLOGGED;`,
  ];
  const files: Record<string, string> = {
    '0001_create.sql': `CREATE TABLE ${t} (id int PRIMARY KEY, name text, qty int, price numeric(10,2));\n`,
  };
  changes.forEach((sql, i) => (files[`${String(i + 2).padStart(4, '0')}_change.sql`] = `${sql}\n`));
  return files;
}

describe('a first deploy prints no lock warnings', () => {
  it(
    `${MODULES * STEPS} migrations on an empty database: no warning; modkit lint warns on every change; the next ` +
      `deploy warns again`,
    async () => {
      target = await createTarget('postgres');
      project = await createFixtureProject(
        Array.from({ length: MODULES }, (_, k) => ({
          name: `m${k}`,
          ...(k > 0 ? { deps: [`m${k - 1}`] } : {}),
          migrations: migrations(k),
        })),
        { database: { url: target.url } },
      );
      const offline = await runCli(['lint', '--json', '-c', project.configPath]);
      const summary = JSON.parse(offline.stdout).summary;
      expect(summary.linted).toBe(MODULES * STEPS);
      // Every change draws a warning when its table is live, but two: REFERENCES without a default
      // checks no row, and the materialized view the same file creates is new.
      expect(summary.warnings).toBeGreaterThanOrEqual(MODULES * (STEPS - 3));

      const first = await runCli(['migrate', '--only', '-c', project.configPath]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(`Applied ${MODULES * STEPS} migrations in ${MODULES} modules`);
      expect(first.stderr).not.toContain('lint');
      expect(first.stdout).not.toContain('Lint of the pending migrations');
      expect(
        await queryTarget(
          target,
          "SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'm%_items' AND relkind = 'r'",
        ),
      ).toEqual([{ n: MODULES }]);

      await project.write(
        'modules/m0/migrations/0021_next.sql',
        'ALTER TABLE m0_items ALTER COLUMN qty TYPE int;\nCREATE INDEX m0_items_code ON m0_items (code);\n',
      );
      const next = await runCli(['migrate', '--only', '-c', project.configPath]);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toMatch(
        /\[table-rewrite\] ALTER COLUMN qty TYPE integer \(from numeric\) rewrites all of "m0_items"/,
      );
      expect(next.stderr).toMatch(/\[index-not-concurrent\] CREATE INDEX on "m0_items"/);
      expect(next.stdout).toContain(
        'Lint of the pending migrations: 2 warnings (index-not-concurrent 1, table-rewrite 1).',
      );
    },
  );
});
