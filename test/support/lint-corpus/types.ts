/**
 * The lint corpus: PostgreSQL statements that take heavy locks or rewrite a live table, each with
 * a safe twin, and what PostgreSQL really does with each (checked on a real server by
 * test/integration/lint-corpus.test.ts; counted against squawk by bench/lint-corpus.mjs).
 */
import type { RuleName } from '../../../src/config/lint-rules.js';

export type LockMode =
  | 'AccessShareLock'
  | 'RowShareLock'
  | 'RowExclusiveLock'
  | 'ShareUpdateExclusiveLock'
  | 'ShareLock'
  | 'ShareRowExclusiveLock'
  | 'ExclusiveLock'
  | 'AccessExclusiveLock';

export const LOCK_ORDER: readonly LockMode[] = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];

/** What PostgreSQL does with the statement, on the fixture's tables of {@link ROWS} rows. */
export interface Claims {
  /** Relations (tables or indexes) whose files are replaced: relfilenode changes. */
  readonly rewrites?: readonly string[];
  /** Relations whose files stay: relfilenode unchanged. */
  readonly keeps?: readonly string[];
  /** Tables read in full (sequential scan of every row) by the statement. */
  readonly scans?: readonly string[];
  /** Tables the statement does not read. */
  readonly noScan?: readonly string[];
  /** Locks the statement holds until commit, by relation. */
  readonly locks?: Readonly<Record<string, LockMode>>;
  /** No lock at this level or stronger is held on the relation. */
  readonly locksBelow?: Readonly<Record<string, LockMode>>;
  /** The statement fails with this SQLSTATE. */
  readonly fails?: string;
}

export interface CorpusEntry {
  /** The class of statement; a dangerous one and its safe twin share it. */
  readonly class: string;
  /** `dangerous` must be caught, `safe` must draw no finding; `dynamic` must be reported as not analysed. */
  readonly kind: 'dangerous' | 'safe' | 'dynamic';
  /** Run (and committed) after the fixture, before the statement: an earlier migration for the lint. */
  readonly setup?: string;
  /** The migration under test. */
  readonly sql: string;
  /** It runs outside a transaction (`-- modkit:no-transaction`); locks are then not checked. */
  readonly noTransaction?: boolean;
  /** The session's TimeZone for the statement (PostgreSQL's own default is the server's). */
  readonly timeZone?: string;
  /** The rules modkit reports on it (none for a safe twin). */
  readonly modkit: readonly RuleName[];
  readonly claims: Claims;
}

/** Rows in every fixture table: a scan reads at least this many. */
export const ROWS = 1000;

/** The earlier migration every entry starts from: live tables with rows, an index, domains, functions. */
export const FIXTURE = `
CREATE DOMAIN plain_text AS text;
CREATE DOMAIN nonempty_text AS text CHECK (VALUE <> '');
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE accounts (
  id int PRIMARY KEY, owner_id int, balance int, total bigint, email text, name varchar(100), bio text, note varchar,
  amount numeric(10,2), created timestamp, created3 timestamp(3), doc json, code char(5), label plain_text
);
CREATE INDEX accounts_email ON accounts (email);
CREATE TABLE audit_log (id bigint NOT NULL, what text);
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 (id int, at date);
CREATE FUNCTION compute_score() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
CREATE FUNCTION fixed_score() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN 1; END $$;
INSERT INTO users SELECT g FROM generate_series(1, ${ROWS}) g;
INSERT INTO accounts SELECT g, g, g, g, 'e' || g, 'n' || g, 'b' || g, 'x', g, now(), now(), '{}', 'a', 'l'
  FROM generate_series(1, ${ROWS}) g;
INSERT INTO audit_log SELECT g, 'x' FROM generate_series(1, ${ROWS}) g;
INSERT INTO events SELECT g, date '2023-01-01' + g % 300 FROM generate_series(1, ${ROWS}) g;
INSERT INTO events_2024 SELECT g, date '2024-01-01' + g % 300 FROM generate_series(1, ${ROWS}) g;
CREATE MATERIALIZED VIEW account_totals AS SELECT owner_id, count(*) AS n FROM accounts GROUP BY owner_id;
CREATE UNIQUE INDEX account_totals_owner ON account_totals (owner_id);
`;
