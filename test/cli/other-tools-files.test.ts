/**
 * Files written for other tools (docs/project.md, "Files other tools wrote"): goose and dbmate files hold
 * both directions in sections; no-transaction markers of other tools, or modkit's on any line of
 * the leading comments, are honoured; markers modkit does not act on are reported, never ignored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

const GOOSE_USERS = `-- +goose Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
-- +goose StatementBegin
CREATE FUNCTION user_count() RETURNS bigint AS $$
BEGIN
  RETURN (SELECT count(*) FROM users);
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION user_count();
DROP TABLE users;
`;

const GOOSE_INDEX = `-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY users_email ON users (email);

-- +goose Down
DROP INDEX CONCURRENTLY users_email;
`;

const DBMATE_ORDERS = `-- migrate:up
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));

-- migrate:down
DROP TABLE orders;
`;

describe("other tools' files on PostgreSQL", () => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  const indexes = async () =>
    (
      await queryTarget<{ indexname: string }>(
        target,
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%pkey' ORDER BY 1",
      )
    ).map((r) => r.indexname);

  it('goose and dbmate files: up runs the up section only (NO TRANSACTION honoured), rollback runs the down sections', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      {
        name: 'shop',
        migrations: {
          '0001_users.sql': GOOSE_USERS,
          '0002_email_index.sql': GOOSE_INDEX,
          '0003_orders.sql': DBMATE_ORDERS,
        },
      },
    ]);
    const up = await cli('migrate', '--only');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('Applied 3 migrations');
    expect(await tableNames(target)).toEqual(expect.arrayContaining(['users', 'orders']));
    expect(await indexes()).toEqual(['users_email']);
    expect(await queryTarget(target, 'SELECT user_count() AS n')).toEqual([{ n: '0' }]);

    const down = await cli('rollback', 'shop', '--steps', '3');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('Rolled back 3 migrations');
    expect(await tableNames(target)).not.toEqual(expect.arrayContaining(['users']));
    expect(await indexes()).toEqual([]);
  });

  it("modkit's marker below another comment line is honoured; a marker modkit does not act on is reported by validate and migrate", async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      {
        name: 'shop',
        migrations: {
          '0001_items.sql': 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);',
          '0002_items_name.sql':
            '-- speeds up the search page\n-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY items_name ON items (name);',
          '0003_seed.sql': "-- +goose Up\n-- +goose ENVSUB ON\nINSERT INTO items VALUES (1, '${ITEM_NAME}');",
        },
      },
    ]);
    const validate = await cli('validate');
    expect(validate.stderr).toContain(
      '0003_seed.sql:2: "-- +goose ENVSUB ON" looks like an instruction to a migration tool, but modkit does not act on it',
    );
    const up = await cli('migrate', '--only');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain(
      '"-- +goose ENVSUB ON" looks like an instruction to a migration tool, but modkit does not act on it',
    );
    expect(await indexes()).toEqual(['items_name']);
  });
});
