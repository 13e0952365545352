/**
 * A `migrate` first reads the histories without the run lock (src/execute/locked-session.ts); on
 * SQLite that read fails as busy while another run holds the database's write lock (a migration
 * that writes much). That only means this run cannot tell whether anything is to do: it waits for
 * the run lock as before, then reads again, instead of failing with "database is locked".
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteLockPath } from '../../src/db/sqlite/sqlite-lock.js';
import { migrate } from '../../src/index.js';
import { createTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

describe('a SQLite migrate while another run writes', () => {
  let target: TestTarget | undefined;
  let project: FixtureProject | undefined;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('waits for the run lock when the database is busy, then finds nothing to do', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject([
      { name: 'notes', migrations: { '0001_notes.sql': 'CREATE TABLE notes (id INT);' } },
    ]);
    const run = (onEvent?: (event: { type: string }) => void) =>
      migrate({
        configPath: project!.configPath,
        databaseUrl: target!.url,
        lockTimeoutMs: 600_000,
        ...(onEvent ? { onEvent } : {}),
      });
    expect((await run()).result.results.map((r) => r.status)).toEqual(['applied']);

    // Another run: it holds the run lock and the database's write lock, as a run applying a large migration does.
    const lock = new Database(sqliteLockPath(target.file!));
    lock.exec('BEGIN IMMEDIATE');
    const writer = new Database(target.file!);
    writer.exec('BEGIN EXCLUSIVE');
    let released = false;
    const { result } = await run((event) => {
      if (event.type !== 'lock-wait' || released) return;
      released = true; // the other run ends
      writer.exec('ROLLBACK');
      writer.close();
      lock.exec('ROLLBACK');
      lock.close();
    });
    expect(released).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([]);
  });
});
