import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { readHistories } from '../../src/db/history-store.js';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { openSession } from '../../src/db/load-engine.js';
import { copyTextRow, PostgresConnection } from '../../src/db/postgres/postgres-connection.js';
import { postgresHistory } from '../../src/db/postgres/postgres-history.js';
import { readSchemaHistories } from '../../src/db/postgres/postgres-schema-histories.js';
import { resolveTargets } from '../../src/fleet/resolve-targets.js';
import { parseTargetsText } from '../../src/fleet/targets-file.js';
import { createTarget, type TestTarget } from '../support/engines.js';

/**
 * A fleet's batch reads the history tables of modkit's own shape with `COPY … TO STDOUT` (no query
 * to plan, a third of the server's CPU per table), and any other shape with a SELECT. Whatever the
 * shape and the values, a batch reads what a single schema's own read reads.
 */
const databases: TestTarget[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  for (const d of databases.splice(0)) await d.dispose();
});

async function connection(url: string): Promise<PostgresConnection> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return new PostgresConnection(client);
}

/** Every statement `connection` sends while `work` runs. */
async function sentDuring<T>(
  connection: PostgresConnection,
  work: () => Promise<T>,
): Promise<{ sql: string[]; params: unknown[][]; result: T }> {
  const sql: string[] = [];
  const params: unknown[][] = [];
  const query = connection.client.query.bind(connection.client);
  connection.client.query = ((first: unknown, ...rest: unknown[]) => {
    sql.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
    params.push(Array.isArray(rest[0]) ? rest[0] : []);
    return (query as (...a: unknown[]) => unknown)(first, ...rest);
  }) as typeof connection.client.query;
  try {
    return { sql, params, result: await work() };
  } finally {
    connection.client.query = query;
  }
}

const modules = ['accounts', 'notes', 'legacy', 'absent'];
const tables = new Map(modules.map((m) => [m, historyTableNameSync(m)]));
const create = (schema: string, module: string) => postgresHistory(schema).createTableSql(tables.get(module)!);

describe('a fleet batch reads the history tables of modkit’s shape by COPY', () => {
  it('reads what each schema’s own read reads: odd characters, NULLs, started rows, older shapes', async () => {
    const database = await createTarget('postgres');
    databases.push(database);
    const admin = await connection(database.url);
    const schemas = ['tenant_a', 'tenant_b', 'tenant_c'];
    const ref = (schema: string, module: string) => `${schema}.${tables.get(module)}`;
    for (const schema of schemas) {
      await admin.exec(`CREATE SCHEMA ${schema}`);
      await admin.exec(create(schema, 'accounts'));
      await admin.exec(create(schema, 'notes'));
      // modkit 0.1.0's table: applied_at in unix seconds, no state or run_id.
      await admin.exec(
        `CREATE TABLE ${ref(schema, 'legacy')} (version VARCHAR(255) PRIMARY KEY, applied_at BIGINT NOT NULL, checksum VARCHAR(64))`,
      );
      await admin.exec(`INSERT INTO ${ref(schema, 'legacy')} VALUES ('0001_old', 1700000000, 'abc')`);
    }
    // Values with what COPY's text format escapes (tab, newline, backslash, a literal \N) and NULLs.
    await admin.query(
      `INSERT INTO ${ref('tenant_a', 'accounts')} (version, applied_at, checksum, duration_ms, state, run_id) VALUES
         ($1, '2026-12-07 10:11:12.345678+02', 'c1', 12, 'applied', 'run-1'),
         ($2, '1999-01-02 03:04:05+00', NULL, NULL, 'started', NULL),
         ('0003_plain', now(), '\\N', 2147483647, NULL, 'ü漢字')`,
      ['0001_tab\there', '0002_line\nback\\slash\\N'],
    );
    await admin.exec(
      `INSERT INTO ${ref('tenant_b', 'notes')} (version, checksum, state) VALUES ('0001_notes', 'x', 'applied')`,
    );
    // tenant_c's notes lost a column (an older modkit): read by SELECT, like the legacy tables.
    await admin.exec(`ALTER TABLE ${ref('tenant_c', 'notes')} DROP COLUMN run_id`);
    await admin.exec(`INSERT INTO ${ref('tenant_c', 'notes')} (version, checksum) VALUES ('0001_notes', 'y')`);

    const targets = resolveTargets(
      parseTargetsText([...schemas, 'tenant_missing'].map((s) => `${database.url} schema=${s}`).join('\n'), 'list'),
      { source: 'flag', baseDir: process.cwd(), env: {}, from: 'list' },
    ).map((t) => t.target);
    const reader = await connection(database.url);
    const { sql, params, result: batch } = await sentDuring(reader, () => readSchemaHistories(reader, targets, tables));

    for (const target of targets) {
      const own = await readHistories(postgresHistory(target.schema!), reader, modules);
      expect(batch.get(target), target.schema).toEqual(own);
    }
    const accounts = batch.get(targets[0]!)!.get('accounts')!.records;
    expect(accounts.map((r) => r.version)).toEqual(['0001_tab\there', '0002_line\nback\\slash\\N', '0003_plain']);
    expect(accounts[0]!.appliedAt?.toISOString()).toBe('2026-12-07T08:11:12.345Z');
    expect(accounts[2]!.checksum).toBe('\\N');

    // Two statements: the catalog, then one script. modkit's shape by COPY (3 accounts, 2 notes);
    // the older shapes (3 legacy, tenant_c's notes) selected.
    expect(sql).toHaveLength(2);
    // The catalog by the schemas' and the tables' names (4 + 4), not a (schema, table) pair each (16).
    expect(params[0]).toEqual([[...schemas, 'tenant_missing'], [...tables.values()]]);
    const script = sql[1]!;
    expect(script.match(/^COPY /gm)).toHaveLength(5);
    expect(script.match(/FROM "tenant_[abc]"\."/g)).toHaveLength(4);
    expect(script).toContain(`FROM "tenant_c"."${tables.get('notes')}"`);
    expect(script).not.toMatch(new RegExp(`FROM "tenant_[ab]"\\."${tables.get('notes')}"`));
  });

  it('a single database reads its own tables of modkit’s shape by COPY too, as a SELECT would read them', async () => {
    const database = await createTarget('postgres');
    databases.push(database);
    const admin = await connection(database.url);
    await admin.exec(create('public', 'accounts'));
    await admin.exec(create('public', 'notes'));
    await admin.exec(
      `CREATE TABLE public.${tables.get('legacy')} (version VARCHAR(255) PRIMARY KEY, applied_at BIGINT NOT NULL, checksum VARCHAR(64))`,
    );
    await admin.exec(`INSERT INTO public.${tables.get('legacy')} VALUES ('0001_old', 1700000000, 'abc')`);
    await admin.query(
      `INSERT INTO public.${tables.get('accounts')} (version, applied_at, checksum, duration_ms, state, run_id) VALUES
         ($1, '2026-12-07 10:11:12.345678+02', 'c1', 12, 'applied', 'run-1'), ('0002_started', now(), NULL, NULL, 'started', NULL)`,
      ['0001_tab\there\\N'],
    );
    const selected = await readHistories(postgresHistory('public'), admin, modules);

    const reader = await connection(database.url);
    const { sql, result: copied } = await sentDuring(reader, () =>
      readHistories(postgresHistory('public', reader), reader, modules),
    );
    expect(copied).toEqual(selected);
    expect(copied.get('accounts')!.records.map((r) => r.state)).toEqual(['applied', 'started']);
    // The catalog, the search_path's check for the absent table, the tables' flags (partitioned,
    // inherited), then one script: the two tables of modkit's shape by COPY, the legacy one selected.
    expect(sql).toHaveLength(4);
    expect(sql[3]!.match(/^COPY /gm)).toHaveLength(2);
    expect(sql[3]).toContain(`FROM "public"."${tables.get('legacy')}"`);

    // A session's reads are these (postgres-session.ts hands its connection to the dialect).
    const sent = vi.spyOn(pg.Client.prototype, 'query');
    const session = await openSession(parseDatabaseUrl(database.url, 'flag', process.cwd()));
    try {
      sent.mockClear();
      expect(await session.readHistories(modules)).toEqual(selected);
      const texts = sent.mock.calls.map(([q]) => (typeof q === 'string' ? q : String((q as { text?: string }).text)));
      expect(texts.filter((text) => /^COPY /m.test(text))).toHaveLength(1);
    } finally {
      sent.mockRestore();
      await session.close();
    }
  });

  it('a partitioned history table, and one with inheritance children, are selected: COPY would refuse or miss rows', async () => {
    const database = await createTarget('postgres');
    databases.push(database);
    const admin = await connection(database.url);
    const parted = tables.get('accounts')!;
    const inherited = tables.get('notes')!;
    const columns =
      'version VARCHAR(255) NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, checksum VARCHAR(64), duration_ms INTEGER, state VARCHAR(16), run_id VARCHAR(36)';
    await admin.exec(`CREATE TABLE public.${parted} (${columns}, PRIMARY KEY (version)) PARTITION BY RANGE (version)`);
    await admin.exec(
      `CREATE TABLE public.${parted}_all PARTITION OF public.${parted} FOR VALUES FROM (MINVALUE) TO (MAXVALUE)`,
    );
    await admin.exec(`INSERT INTO public.${parted} (version, checksum, state) VALUES ('0001_a', 'c', 'applied')`);
    await admin.exec(`CREATE TABLE public.${inherited} (${columns}, PRIMARY KEY (version))`);
    await admin.exec(`CREATE TABLE public.${inherited}_child () INHERITS (public.${inherited})`);
    await admin.exec(
      `INSERT INTO public.${inherited}_child (version, checksum, state) VALUES ('0001_b', 'c', 'applied')`,
    );
    const selected = await readHistories(postgresHistory('public'), admin, ['accounts', 'notes']);
    expect(selected.get('accounts')!.records.map((r) => r.version)).toEqual(['0001_a']);
    expect(selected.get('notes')!.records.map((r) => r.version)).toEqual(['0001_b']);
    const reader = await connection(database.url);
    const { sql, result } = await sentDuring(reader, () =>
      readHistories(postgresHistory('public', reader), reader, ['accounts', 'notes']),
    );
    expect(result).toEqual(selected);
    expect(sql.some((text) => /^COPY /m.test(text))).toBe(false);
    // A fleet's batch knows them from its own catalog query.
    const [target] = resolveTargets(parseTargetsText(`${database.url} schema=public`, 'list'), {
      source: 'flag',
      baseDir: process.cwd(),
      env: {},
      from: 'list',
    }).map((t) => t.target);
    const two = new Map([...tables].filter(([m]) => m === 'accounts' || m === 'notes'));
    const batch = await sentDuring(reader, () => readSchemaHistories(reader, [target!], two));
    expect(batch.result.get(target!)).toEqual(selected);
    expect(batch.sql.some((text) => /^COPY /m.test(text))).toBe(false);
  });

  it('takes the COPYs of a script row by row, and makes pg results only for its queries', async () => {
    const database = await createTarget('postgres');
    databases.push(database);
    const reader = await connection(database.url);
    const completed = vi.spyOn(
      pg.Query.prototype as unknown as { handleCommandComplete(): void },
      'handleCommandComplete',
    );
    try {
      const { rows, copies } = await reader.queryScriptWithCopies(
        "COPY (SELECT 1, 'a') TO STDOUT; COPY (SELECT 2 WHERE false) TO STDOUT; SELECT 3 AS x; COPY (VALUES (4), (NULL)) TO STDOUT",
      );
      expect(rows).toEqual([{ x: 3 }]);
      expect(copies).toEqual([[['1', 'a']], [], [['4'], [null]]]);
      // pg builds a result for each statement it completes: one (the SELECT), not four.
      expect(completed).toHaveBeenCalledTimes(1);
    } finally {
      completed.mockRestore();
    }
  });

  it('decodes a row of COPY’s text format', () => {
    expect(copyTextRow(Buffer.from('a\\tb\t\\N\t\\\\N\tx\\ny\\\\z\t\n'))).toEqual(['a\tb', null, '\\N', 'x\ny\\z', '']);
    expect(copyTextRow(Buffer.from('ü漢\t\\r\\b\\f\\v\\q\n'))).toEqual(['ü漢', '\r\b\f\vq']);
  });
});
