/**
 * modkit's MariaDB/MySQL connections send their queries without mysql2's per-query stack capture
 * (`trace: false` in driverOptions): capturing one for each of the three queries a migration sends
 * was ≈ 1.6 % of a whole apply's instructions. Counted against a real server: no stack captured
 * for a query, and a failing query still rejects with the server's error.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectMysql, type MysqlConnection } from '../../src/db/mysql/mysql-connection.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';

describe.skipIf(!ENGINES.includes('mysql'))('MariaDB/MySQL queries', () => {
  let target: TestTarget | undefined;
  let connection: MysqlConnection | undefined;
  afterEach(async () => {
    await connection?.close();
    await target?.dispose();
    vi.restoreAllMocks();
  });

  it('capture no stack trace per query, and still report the server error', async () => {
    target = await createTarget('mysql');
    connection = await connectMysql(target.url);
    const capture = vi.spyOn(Error, 'captureStackTrace');
    for (let i = 0; i < 10; i += 1) await connection.exec('SELECT 1');
    expect(capture).not.toHaveBeenCalled();
    await expect(connection.exec('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: 'ER_NO_SUCH_TABLE' });
  });
});
