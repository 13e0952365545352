/**
 * The lint corpus (test/support/lint-corpus/): for every statement, what modkit's lint says
 * (the finding, or silence for a safe twin), and what PostgreSQL really does with it on tables of
 * real rows — files rewritten or kept (relfilenode before and after), tables read in full
 * (pg_stat_xact_user_tables), locks held until commit (pg_locks) — so no claim a rule makes rests
 * on our reading of the documentation. bench/lint-corpus.mjs counts squawk's findings on the same.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeFile } from '../../src/lint/lint-sql.js';
import { loadPostgresParser, type PostgresParser } from '../../src/lint/postgres-parser.js';
import { prepareFile } from '../../src/lint/prepare-file.js';
import { severitiesOf } from '../../src/config/lint-rules.js';
import { SchemaModel } from '../../src/lint/schema/schema-model.js';
import { CORPUS, FIXTURE, LOCK_ORDER, ROWS, type CorpusEntry, type LockMode } from '../support/lint-corpus/index.js';
import { createTestDatabase, pgUrl, type TestDatabase } from '../support/postgres.js';

const SEVERITIES = severitiesOf();
let parser: PostgresParser;
let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  parser = await loadPostgresParser();
  db = await createTestDatabase(pgUrl(), 'lint_corpus');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** The rules modkit reports on the entry, judged after the fixture (and setup) as earlier migrations. */
function lintEntry(entry: CorpusEntry): string[] {
  const model = new SchemaModel('files');
  for (const earlier of [FIXTURE, entry.setup ?? '']) judgeFile(prepareFile(earlier, true, parser), model, SEVERITIES);
  return judgeFile(prepareFile(entry.sql, entry.noTransaction !== true, parser), model, SEVERITIES).map((f) => f.rule);
}

interface Observation {
  readonly error?: { readonly code?: string; readonly message: string };
  readonly files: { readonly before: Map<string, number>; readonly after: Map<string, number> };
  /** Rows read by sequential scans, by table. */
  readonly scanned: Map<string, number>;
  readonly locks: Map<string, LockMode[]>;
}

const FILES_SQL =
  "SELECT relname, relfilenode FROM pg_class WHERE relnamespace = 'public'::regnamespace " +
  "AND relkind IN ('r', 'i', 'm')";
const SCANS_SQL = "SELECT relname, seq_tup_read FROM pg_stat_xact_user_tables WHERE schemaname = 'public'";
const LOCKS_SQL = `SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
  WHERE l.pid = pg_backend_pid() AND l.granted AND c.relnamespace = 'public'::regnamespace`;

async function rows(sql: string): Promise<Map<string, number>> {
  const result = await client.query<{ relname: string; relfilenode?: number; seq_tup_read?: string }>(sql);
  return new Map(result.rows.map((r) => [r.relname, Number(r.relfilenode ?? r.seq_tup_read)]));
}

/** Runs the entry on a fresh copy of the fixture and records what PostgreSQL did. */
async function observe(entry: CorpusEntry): Promise<Observation> {
  await client.query(
    `DROP SCHEMA IF EXISTS public, archive CASCADE; CREATE SCHEMA public; ${FIXTURE}; ${entry.setup ?? ''}`,
  );
  if (entry.noTransaction) {
    const before = await rows(FILES_SQL);
    const error = await client.query(entry.sql).then(
      () => undefined,
      (e: pg.DatabaseError) => e,
    );
    return {
      ...(error ? { error } : {}),
      files: { before, after: await rows(FILES_SQL) },
      scanned: new Map(),
      locks: new Map(),
    };
  }
  await client.query('BEGIN');
  try {
    if (entry.timeZone) await client.query(`SET LOCAL timezone = '${entry.timeZone}'`);
    const before = await rows(FILES_SQL);
    const scansBefore = await rows(SCANS_SQL);
    const error = await client.query(entry.sql).then(
      () => undefined,
      (e: pg.DatabaseError) => e,
    );
    if (error) return { error, files: { before, after: before }, scanned: new Map(), locks: new Map() };
    const locks = new Map<string, LockMode[]>();
    for (const { relname, mode } of (await client.query<{ relname: string; mode: LockMode }>(LOCKS_SQL)).rows)
      locks.set(relname, [...(locks.get(relname) ?? []), mode]);
    const scanned = new Map([...(await rows(SCANS_SQL))].map(([t, n]) => [t, n - (scansBefore.get(t) ?? 0)]));
    return { files: { before, after: await rows(FILES_SQL) }, scanned, locks };
  } finally {
    await client.query('ROLLBACK');
  }
}

function checkClaims(entry: CorpusEntry, seen: Observation): void {
  const { claims } = entry;
  if (claims.fails) {
    expect(seen.error?.code, seen.error?.message).toBe(claims.fails);
    return;
  }
  expect(seen.error, seen.error?.message).toBeUndefined();
  const { before, after } = seen.files;
  for (const r of claims.rewrites ?? []) expect(after.get(r), `${r} rewritten`).not.toBe(before.get(r));
  for (const r of claims.keeps ?? []) expect(after.get(r), `${r} kept`).toBe(before.get(r));
  for (const t of claims.scans ?? [])
    expect(seen.scanned.get(t) ?? 0, `${t} read in full`).toBeGreaterThanOrEqual(ROWS);
  for (const t of claims.noScan ?? []) expect(seen.scanned.get(t) ?? 0, `${t} not read`).toBe(0);
  for (const [r, mode] of Object.entries(claims.locks ?? {}))
    expect(seen.locks.get(r) ?? [], `locks on ${r}`).toContain(mode);
  for (const [r, mode] of Object.entries(claims.locksBelow ?? {})) {
    const strongest = Math.max(-1, ...(seen.locks.get(r) ?? []).map((m) => LOCK_ORDER.indexOf(m)));
    expect(LOCK_ORDER[strongest] ?? 'no lock', `strongest lock on ${r}`).not.toSatisfy(
      (m: string) => LOCK_ORDER.indexOf(m as LockMode) >= LOCK_ORDER.indexOf(mode),
    );
  }
}

describe('the lint corpus: modkit says what PostgreSQL does', () => {
  it('holds at least 60 statements, and every dangerous class has a safe twin', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
    const dangerous = new Set(CORPUS.filter((e) => e.kind === 'dangerous').map((e) => e.class));
    const safe = new Set(CORPUS.filter((e) => e.kind === 'safe').map((e) => e.class));
    expect([...dangerous].filter((c) => !safe.has(c))).toEqual([]);
    expect(dangerous.size).toBeGreaterThanOrEqual(43);
  });

  it.each(CORPUS.map((entry) => [`${entry.kind} · ${entry.class}: ${entry.sql.split('\n').at(-1)}`, entry] as const))(
    '%s',
    async (_name, entry) => {
      expect(lintEntry(entry)).toEqual(entry.modkit);
      checkClaims(entry, await observe(entry));
    },
  );
});
