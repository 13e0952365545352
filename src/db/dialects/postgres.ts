import pg from 'pg';
import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { lineOfOffset } from '../split-sql.js';
import { connectClient, PostgresConnection } from './postgres-client.js';
import { postgresLock } from './postgres-lock.js';
import { postgresTransactions } from './postgres-transactions.js';
import type { DatabaseLock, DbConnection, Dialect } from './types.js';

export const postgresDialect: Dialect = {
  engine: 'postgres',
  supportsTransactionalDdl: true,
  knexClient: 'pg',
  bigintType: 'BIGINT',

  beginSql: 'BEGIN',
  supportsConcurrentMigrations: true,
  migrationTransactions: postgresTransactions,
  // statement_timestamp() is when the script arrived; clock_timestamp() is now.
  scriptElapsedMsSql: 'floor(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::int',

  async connect(target: DatabaseTarget, options = {}): Promise<DbConnection> {
    // Belt and braces for plan/status/validate: the server itself refuses any write.
    const settings = options.readOnly ? ['default_transaction_read_only=on'] : [];
    let client: pg.Client;
    try {
      client = await connectClient(target.url, [...settings, 'client_connection_check_interval=1000']);
    } catch (error) {
      // client_connection_check_interval exists since PostgreSQL 14; older servers reject it.
      if ((error as { code?: string }).code !== '42704') throw unreachableError(target.url, error);
      client = await connectClient(target.url, settings).catch((retry: unknown) => {
        throw unreachableError(target.url, retry);
      });
    }
    return new PostgresConnection(client);
  },

  createLock(target: DatabaseTarget): DatabaseLock {
    return postgresLock(target);
  },

  async listColumns(connection, prefix) {
    // pg_catalog rather than information_schema: the same answer in ~1 ms instead of ~8 ms.
    const rows = await connection.query<{ table_name: string; column_name: string }>(
      `SELECT c.relname AS table_name, a.attname AS column_name
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
          AND left(c.relname, ?) = ? AND a.attnum > 0 AND NOT a.attisdropped`,
      [prefix.length, prefix],
    );
    return rows.map((r) => [r.table_name, r.column_name] as const);
  },

  async cancel(connection, target) {
    // A cancel request must come from another connection; pg_cancel_backend is the portable way.
    const pid = (connection.driverConnection as { processID?: number }).processID;
    if (!pid) return;
    const canceller = new pg.Client({ connectionString: target.url, application_name: 'modkit-cancel', connectionTimeoutMillis: 5_000 });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } finally {
      await canceller.end().catch(() => undefined);
    }
  },

  errorLine(error, sql) {
    const position = Number((error as { position?: string })?.position);
    return Number.isInteger(position) && position > 0 ? lineOfOffset(sql, position - 1) : undefined;
  },
};
