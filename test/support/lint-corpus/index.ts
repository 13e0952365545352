/** The whole corpus: every class, its dangerous statement and its safe twin (README: docs/lint.md). */
import { EXPLICIT_LOCKS, INDEXES, VALIDATIONS } from './locks.js';
import { COLUMN_DEFAULTS, pair, TYPE_CHANGES, WHOLE_TABLE } from './rewrites.js';
import type { CorpusEntry } from './types.js';

export { FIXTURE, LOCK_ORDER, ROWS, type Claims, type CorpusEntry, type LockMode } from './types.js';

const rewrite = { rewrites: ['accounts'] };
const keep = { keeps: ['accounts'], noScan: ['accounts'] };

/** Statements squawk does not look into: DO blocks, EXECUTE, functions and procedures called in the file. */
export const PLPGSQL: readonly CorpusEntry[] = [
  ...pair(
    'in a DO block',
    {
      sql: 'DO $$\nBEGIN\n  ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;\nEND $$;',
      modkit: ['table-rewrite'],
      claims: rewrite,
    },
    { sql: 'DO $$\nBEGIN\n  ALTER TABLE accounts ALTER COLUMN name TYPE varchar(200);\nEND $$;', claims: keep },
  ),
  ...pair(
    'EXECUTE of a constant string',
    {
      sql: "DO $$\nBEGIN\n  EXECUTE 'CREATE INDEX accounts_name ON accounts (name)';\nEND $$;",
      modkit: ['index-not-concurrent'],
      claims: { locks: { accounts: 'ShareLock' }, scans: ['accounts'] },
    },
    { sql: "DO $$\nBEGIN\n  EXECUTE 'ANALYZE accounts';\nEND $$;", claims: { keeps: ['accounts'] } },
  ),
  ...pair(
    'function called in the same file',
    {
      sql:
        'CREATE FUNCTION widen() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  ALTER TABLE accounts ALTER COLUMN ' +
        'balance TYPE bigint;\nEND $$;\nSELECT widen();',
      modkit: ['table-rewrite'],
      claims: rewrite,
    },
    {
      sql:
        'CREATE TABLE ledger (amount int);\nCREATE FUNCTION widen() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n ' +
        ' ALTER TABLE ledger ALTER COLUMN amount TYPE bigint;\nEND $$;\nSELECT widen();',
      claims: keep,
    },
  ),
  ...pair(
    'procedure called in the same file',
    {
      sql:
        'CREATE PROCEDURE add_index() LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE INDEX accounts_bio ON accounts ' +
        '(bio);\nEND $$;\nCALL add_index();',
      modkit: ['index-not-concurrent'],
      claims: { locks: { accounts: 'ShareLock' }, scans: ['accounts'] },
    },
    {
      sql:
        'CREATE PROCEDURE refresh_stats() LANGUAGE plpgsql AS $$\nBEGIN\n  ANALYZE accounts;\nEND $$;\nCALL ' +
        'refresh_stats();',
      claims: { keeps: ['accounts'] },
    },
  ),
  {
    class: 'EXECUTE of a computed string',
    kind: 'dynamic',
    sql: "DO $$\nBEGIN\n  EXECUTE format('CREATE INDEX accounts_%s ON accounts (%I)', 'bio', 'bio');\nEND $$;",
    modkit: ['not-analysed'],
    claims: { locks: { accounts: 'ShareLock' }, scans: ['accounts'] },
  },
];

/** Quiet only where nothing is live: what looks new but may not be. */
export const MASKING: readonly CorpusEntry[] = [
  ...pair(
    'CREATE TABLE IF NOT EXISTS',
    {
      sql:
        'CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, name text);\nCREATE INDEX accounts_name ON ' +
        'accounts (name);',
      modkit: ['index-not-concurrent'],
      claims: { locks: { accounts: 'ShareLock' }, scans: ['accounts'] },
    },
    {
      sql: 'CREATE TABLE ledger (id int PRIMARY KEY, name text);\nCREATE INDEX ledger_name ON ledger (name);',
      claims: { ...keep, locksBelow: { accounts: 'AccessShareLock' } },
    },
  ),
  ...pair(
    'a TEMP table of the same name',
    {
      sql:
        'CREATE TEMP TABLE accounts (id int, balance int);\nALTER TABLE public.accounts ALTER COLUMN balance ' +
        'TYPE bigint;',
      modkit: ['table-rewrite'],
      claims: rewrite,
    },
    {
      sql: 'CREATE TEMP TABLE accounts (id int, balance int);\nALTER TABLE accounts ALTER COLUMN balance TYPE bigint;',
      claims: keep,
    },
  ),
  ...pair(
    'a table of the same name in another schema',
    {
      sql:
        'CREATE SCHEMA archive;\nCREATE TABLE archive.accounts (id int, balance int);\nALTER TABLE accounts ' +
        'ALTER COLUMN balance TYPE bigint;',
      modkit: ['table-rewrite'],
      claims: rewrite,
    },
    {
      sql:
        'CREATE SCHEMA archive;\nCREATE TABLE archive.accounts (id int, balance int);\nALTER TABLE ' +
        'archive.accounts ALTER COLUMN balance TYPE bigint;',
      claims: keep,
    },
  ),
];

export const CORPUS: readonly CorpusEntry[] = [
  ...TYPE_CHANGES,
  ...COLUMN_DEFAULTS,
  ...WHOLE_TABLE,
  ...INDEXES,
  ...VALIDATIONS,
  ...EXPLICIT_LOCKS,
  ...PLPGSQL,
  ...MASKING,
];
