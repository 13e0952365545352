/**
 * Issue 19 §1 (b): after every body the session checks, by a means the body cannot fool, that the
 * transaction it opened is still the one open. These bodies get past the refusal (they go to the
 * session directly), as a body the splitter or parser missed would: a real `COMMIT; BEGIN` (which
 * fools PostgreSQL's transaction status and better-sqlite3's inTransaction), a `ROLLBACK` (MariaDB,
 * where `@@in_transaction` is 0 after any DDL anyway). The report must match the database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { migrate } from '../../src/index.js';
import { createFixtureProject } from '../support/project-fixture.js';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { openSession } from '../../src/db/load-engine.js';
import { TransactionEndedError, type MigrationStep, type Session } from '../../src/db/session.js';
import type { MigrationBody } from '../../src/modules/load-body.js';
import {
  createTarget,
  ENGINES,
  queryTarget,
  tableNames,
  type TestEngine,
  type TestTarget,
} from '../support/engines.js';

const TABLE = historyTableNameSync('a');

function step(id: string, sql: string, direction: 'up' | 'down' = 'up'): MigrationStep {
  const body: MigrationBody = { format: 'sql', sql, transactional: true };
  return { table: TABLE, direction, body, migration: { id, module: 'a', format: 'sql', checksum: 'c'.repeat(64) } };
}

/** A body that ends the transaction and goes on, on each engine (MariaDB: ROLLBACK, since a COMMIT there is like DDL, recorded truthfully). */
const ENDING: Readonly<Record<TestEngine, string>> = {
  postgres: "INSERT INTO side VALUES ('c1');\nCOMMIT;\nBEGIN;\nINSERT INTO side VALUES ('c2');",
  sqlite: "INSERT INTO side VALUES ('c1');\nCOMMIT;\nBEGIN;\nINSERT INTO side VALUES ('c2');",
  mysql: "INSERT INTO side VALUES ('c1');\nROLLBACK;\nINSERT INTO side VALUES ('c2');",
};
/** What is committed after it: before a COMMIT (PostgreSQL, SQLite: the new transaction's tail is rolled back), after a ROLLBACK (MariaDB: autocommit). */
const LEFT: Readonly<Record<TestEngine, string[]>> = { postgres: ['c1'], sqlite: ['c1'], mysql: ['c2'] };

describe.each(ENGINES)('the check after the body (%s)', (engine) => {
  let target: TestTarget | undefined;
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close().catch(() => undefined);
    await target?.dispose();
    session = undefined;
    target = undefined;
  });

  const open = async () => {
    target = await createTarget(engine);
    session = await openSession(parseDatabaseUrl(target.url, 'flag', process.cwd()));
    expect(await session.lock!.tryAcquire()).toBe(true);
    await session.createHistory(TABLE);
    return session;
  };
  const context = { runId: '00000000-0000-4000-8000-000000000000' };
  const history = () =>
    queryTarget<{ version: string; state: string }>(target!, `SELECT version, state FROM ${TABLE} ORDER BY version`);
  const side = async () => (await queryTarget<{ v: string }>(target!, 'SELECT v FROM side ORDER BY v')).map((r) => r.v);

  it('a body that ends the transaction is found out, recorded as started (dirty), and the report says what may be committed', async () => {
    const s = await open();
    await s.apply(step('0001_side', 'CREATE TABLE side (v VARCHAR(10))'), context);
    await s.flush();
    const failure = await s.apply(step('0002_ends', ENDING[engine]), context).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TransactionEndedError);
    expect((failure as TransactionEndedError).recorded).toBe(true);
    expect((failure as TransactionEndedError).lost).toEqual([]);
    expect(await side()).toEqual(LEFT[engine]);
    expect(await history()).toEqual([
      { version: '0001_side', state: 'applied' },
      { version: '0002_ends', state: 'started' },
    ]);
  });

  it('a body that keeps the transaction passes the check, RESET ALL and SET TRANSACTION included', async () => {
    const s = await open();
    await s.apply(step('0001_side', 'CREATE TABLE side (v VARCHAR(10))'), context);
    const legal: Readonly<Record<TestEngine, string>> = {
      postgres:
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nINSERT INTO side VALUES ('a');\nRESET ALL;\nSAVEPOINT x;\nROLLBACK TO SAVEPOINT x;",
      sqlite: "INSERT INTO side VALUES ('a');\nSAVEPOINT x;\nROLLBACK TO x;\nRELEASE x;",
      mysql: "INSERT INTO side VALUES ('a');\nSAVEPOINT x;\nROLLBACK TO SAVEPOINT x;",
    };
    await s.apply(step('0002_legal', legal[engine]), context);
    await s.flush();
    expect(await side()).toEqual(['a']);
    expect(await history()).toEqual([
      { version: '0001_side', state: 'applied' },
      { version: '0002_legal', state: 'applied' },
    ]);
  });

  it.runIf(engine === 'sqlite')(
    'SQLite: a ROLLBACK takes the open group along, and the report names what it took',
    async () => {
      const s = await open();
      await s.apply(step('0001_side', 'CREATE TABLE side (v VARCHAR(10))'), context); // waits in the group
      const failure = (await s
        .apply(step('0002_rollback', 'ROLLBACK;\nINSERT INTO other VALUES (1);'), context)
        .catch((e: unknown) => e)) as TransactionEndedError;
      expect(failure).toBeInstanceOf(TransactionEndedError);
      expect(failure.lost).toEqual([{ module: 'a', id: '0001_side' }]);
      expect(await history()).toEqual([{ version: '0002_rollback', state: 'started' }]);
      expect(await queryTarget(target!, "SELECT name FROM sqlite_master WHERE name = 'side'")).toEqual([]);
    },
  );

  it.runIf(engine !== 'mysql')(
    '--tx-mode all: a body that commits the one transaction keeps what it committed, and says so',
    async () => {
      const s = await open();
      const failure = await s
        .inOneTransaction(async () => {
          await s.apply(step('0001_side', 'CREATE TABLE side (v VARCHAR(10))'), context);
          await s.apply(step('0002_ends', ENDING[engine]), context);
        })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TransactionEndedError);
      expect((failure as TransactionEndedError).lost).toEqual([]);
      expect(await side()).toEqual(['c1']);
      expect(await history()).toEqual([
        { version: '0001_side', state: 'applied' },
        { version: '0002_ends', state: 'started' },
      ]);
    },
  );

  it.runIf(engine !== 'mysql')(
    '--tx-mode all on a new database: a failure leaves nothing, the history tables it created included',
    async () => {
      target = await createTarget(engine);
      const project = await createFixtureProject([
        { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } },
        {
          name: 'users',
          deps: ['core'],
          migrations: { '0001_bad.sql': 'CREATE TABLE u (id INTEGER);\nINSERT INTO nowhere VALUES (1);' },
        },
      ]);
      try {
        const { result } = await migrate({ configPath: project.configPath, databaseUrl: target.url, txMode: 'all' });
        expect(result.error?.kind).toBe('migration-failed');
        expect(result.results.map((r) => r.status)).toEqual(['rolled-back', 'failed']);
        expect(await tableNames(target)).toEqual([]);
      } finally {
        await project.cleanup();
      }
    },
  );
});
