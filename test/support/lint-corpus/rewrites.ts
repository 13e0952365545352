/** Corpus classes that rewrite a table: type changes, column defaults, whole-table commands. */
import type { CorpusEntry } from './types.js';

type Half = Omit<CorpusEntry, 'class' | 'kind'>;

/** A dangerous statement and its safe twin. */
export function pair(name: string, dangerous: Half, safe: Omit<Half, 'modkit'>): CorpusEntry[] {
  return [
    { class: name, kind: 'dangerous', ...dangerous },
    { class: name, kind: 'safe', modkit: [], ...safe },
  ];
}

const rewrite = { rewrites: ['accounts'] };
const keep = { keeps: ['accounts'], noScan: ['accounts'] };
const alter = (sql: string) => `ALTER TABLE accounts ${sql};`;

export const TYPE_CHANGES: readonly CorpusEntry[] = [
  ...pair(
    'integer → bigint',
    { sql: alter('ALTER COLUMN balance TYPE bigint'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN name TYPE varchar(200)'), claims: keep },
  ),
  ...pair(
    'integer → text',
    { sql: alter('ALTER COLUMN balance TYPE text'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN note TYPE text'), claims: keep },
  ),
  ...pair(
    'integer → numeric',
    { sql: alter('ALTER COLUMN balance TYPE numeric'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN amount TYPE numeric'), claims: keep },
  ),
  ...pair(
    'narrower varchar',
    { sql: alter('ALTER COLUMN name TYPE varchar(50)'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN name TYPE varchar'), claims: keep },
  ),
  ...pair(
    'numeric scale change',
    { sql: alter('ALTER COLUMN amount TYPE numeric(12,4)'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN amount TYPE numeric(12,2)'), claims: keep },
  ),
  ...pair(
    'text → varchar(n)',
    { sql: alter('ALTER COLUMN bio TYPE varchar(300)'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN bio TYPE varchar'), claims: keep },
  ),
  ...pair(
    'to a domain with a CHECK',
    { sql: alter('ALTER COLUMN bio TYPE nonempty_text'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN bio TYPE plain_text'), claims: keep },
  ),
  ...pair(
    'bigint → integer',
    { sql: alter('ALTER COLUMN total TYPE integer'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN total SET DEFAULT 0'), claims: keep },
  ),
  ...pair(
    'timestamp → timestamptz',
    {
      sql: alter('ALTER COLUMN created TYPE timestamptz'),
      timeZone: 'Europe/Paris',
      modkit: ['table-rewrite'],
      claims: rewrite,
    },
    { sql: alter('ALTER COLUMN created3 TYPE timestamp(6)'), claims: keep },
  ),
  ...pair(
    'json → jsonb',
    { sql: alter('ALTER COLUMN doc TYPE jsonb'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN doc TYPE json USING doc'), claims: keep },
  ),
  ...pair(
    'char(n) → char(m)',
    { sql: alter('ALTER COLUMN code TYPE char(10)'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN name TYPE varchar(120)'), claims: keep },
  ),
  ...pair(
    'USING an expression',
    { sql: alter('ALTER COLUMN balance TYPE integer USING balance + 0'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ALTER COLUMN balance TYPE integer USING balance'), claims: keep },
  ),
  ...pair(
    'collation change of an indexed column',
    {
      sql: alter('ALTER COLUMN email TYPE text COLLATE "C"'),
      modkit: ['blocking-lock'],
      claims: { keeps: ['accounts'], rewrites: ['accounts_email'], locks: { accounts: 'AccessExclusiveLock' } },
    },
    {
      sql: alter('ALTER COLUMN bio TYPE text COLLATE "C"'),
      claims: { keeps: ['accounts', 'accounts_email'], noScan: ['accounts'] },
    },
  ),
];

export const COLUMN_DEFAULTS: readonly CorpusEntry[] = [
  ...pair(
    'volatile default',
    { sql: alter('ADD COLUMN token uuid DEFAULT gen_random_uuid()'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ADD COLUMN created_at timestamptz DEFAULT now()'), claims: keep },
  ),
  ...pair(
    'default calling a function not known to be stable',
    { sql: alter('ADD COLUMN score int DEFAULT compute_score()'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ADD COLUMN score int DEFAULT fixed_score()'), claims: keep },
  ),
  ...pair(
    'nextval default',
    {
      setup: 'CREATE SEQUENCE accounts_seq;',
      sql: alter("ADD COLUMN seq bigint DEFAULT nextval('accounts_seq')"),
      modkit: ['table-rewrite'],
      claims: rewrite,
    },
    {
      setup: 'CREATE SEQUENCE accounts_seq;',
      sql: alter("ALTER COLUMN total SET DEFAULT nextval('accounts_seq')"),
      claims: keep,
    },
  ),
  ...pair(
    'serial column',
    { sql: alter('ADD COLUMN seq bigserial'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('ADD COLUMN seq bigint'), claims: keep },
  ),
  ...pair(
    'identity column',
    { sql: alter('ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY'), modkit: ['table-rewrite'], claims: rewrite },
    {
      sql: 'ALTER TABLE users ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;',
      claims: { keeps: ['users'], noScan: ['users'] },
    },
  ),
  ...pair(
    'stored generated column',
    {
      sql: alter('ADD COLUMN twice int GENERATED ALWAYS AS (balance * 2) STORED'),
      modkit: ['table-rewrite'],
      claims: rewrite,
    },
    { sql: alter('ADD COLUMN twice int DEFAULT 2'), claims: keep },
  ),
  ...pair(
    'column of a domain with a CHECK',
    { sql: alter('ADD COLUMN kind nonempty_text'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter("ADD COLUMN kind plain_text DEFAULT 'a'"), claims: keep },
  ),
];

export const WHOLE_TABLE: readonly CorpusEntry[] = [
  ...pair(
    'SET UNLOGGED',
    { sql: alter('SET UNLOGGED'), modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('SET (fillfactor = 90)'), claims: { ...keep, locksBelow: { accounts: 'ShareLock' } } },
  ),
  ...pair(
    'CLUSTER',
    { sql: 'CLUSTER accounts USING accounts_pkey;', modkit: ['table-rewrite'], claims: rewrite },
    { sql: alter('CLUSTER ON accounts_pkey'), claims: keep },
  ),
  ...pair(
    'VACUUM FULL',
    { sql: 'VACUUM FULL accounts;', noTransaction: true, modkit: ['table-rewrite'], claims: rewrite },
    { sql: 'VACUUM accounts;', noTransaction: true, claims: { keeps: ['accounts'] } },
  ),
  ...pair(
    'SET TABLESPACE',
    // The copy needs a second tablespace, which a test cannot make; the lock it takes is checked.
    {
      sql: alter('SET TABLESPACE pg_default'),
      modkit: ['table-rewrite'],
      claims: { locks: { accounts: 'AccessExclusiveLock' } },
    },
    {
      sql: 'CREATE TABLE scratch (a int);\nALTER TABLE scratch SET TABLESPACE pg_default;',
      claims: { keeps: ['accounts'], locksBelow: { accounts: 'AccessShareLock' } },
    },
  ),
];
