/** Corpus classes that lock a live table without rewriting it: index builds, validations, explicit locks. */
import { pair } from './rewrites.js';
import type { CorpusEntry } from './types.js';

const alter = (sql: string) => `ALTER TABLE accounts ${sql};`;
const quiet = { keeps: ['accounts'], noScan: ['accounts'] };
const PCT_NOT_VALID = alter('ADD CONSTRAINT pct_range CHECK (pct BETWEEN 0 AND 100) NOT VALID');

export const INDEXES: readonly CorpusEntry[] = [
  ...pair(
    'CREATE INDEX',
    {
      sql: 'CREATE INDEX accounts_name ON accounts (name);',
      modkit: ['index-not-concurrent'],
      claims: { locks: { accounts: 'ShareLock' }, scans: ['accounts'] },
    },
    {
      sql: 'CREATE INDEX CONCURRENTLY accounts_name ON accounts (name);',
      noTransaction: true,
      claims: { keeps: ['accounts'] },
    },
  ),
  ...pair(
    'CREATE UNIQUE INDEX',
    {
      sql: 'CREATE UNIQUE INDEX accounts_name_key ON accounts (name);',
      modkit: ['index-not-concurrent'],
      claims: { locks: { accounts: 'ShareLock' }, scans: ['accounts'] },
    },
    {
      sql: 'CREATE UNIQUE INDEX CONCURRENTLY accounts_name_key ON accounts (name);',
      noTransaction: true,
      claims: { keeps: ['accounts'] },
    },
  ),
  ...pair(
    'DROP INDEX',
    {
      sql: 'DROP INDEX accounts_email;',
      modkit: ['index-not-concurrent'],
      claims: { locks: { accounts: 'AccessExclusiveLock' } },
    },
    { sql: 'DROP INDEX CONCURRENTLY accounts_email;', noTransaction: true, claims: { keeps: ['accounts'] } },
  ),
  ...pair(
    'REINDEX',
    {
      sql: 'REINDEX TABLE accounts;',
      modkit: ['index-not-concurrent'],
      claims: { locks: { accounts: 'ShareLock' }, rewrites: ['accounts_email'] },
    },
    { sql: 'REINDEX TABLE CONCURRENTLY accounts;', noTransaction: true, claims: { keeps: ['accounts'] } },
  ),
  ...pair(
    'ADD UNIQUE',
    {
      sql: alter('ADD CONSTRAINT accounts_email_key UNIQUE (email)'),
      modkit: ['constraint-builds-index'],
      claims: { locks: { accounts: 'AccessExclusiveLock' }, scans: ['accounts'] },
    },
    {
      setup: 'CREATE UNIQUE INDEX accounts_email_unique ON accounts (email);',
      sql: alter('ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_unique'),
      claims: quiet,
    },
  ),
  ...pair(
    'ADD PRIMARY KEY',
    {
      sql: 'ALTER TABLE audit_log ADD PRIMARY KEY (id);',
      modkit: ['constraint-builds-index'],
      claims: { locks: { audit_log: 'AccessExclusiveLock' }, scans: ['audit_log'] },
    },
    {
      setup: 'CREATE UNIQUE INDEX audit_log_id ON audit_log (id);',
      sql: 'ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY USING INDEX audit_log_id;',
      claims: { keeps: ['audit_log'], noScan: ['audit_log'] },
    },
  ),
  ...pair(
    'UNIQUE in ADD COLUMN',
    {
      sql: alter('ADD COLUMN handle text UNIQUE'),
      modkit: ['constraint-builds-index'],
      claims: { locks: { accounts: 'AccessExclusiveLock' }, scans: ['accounts'] },
    },
    { sql: alter('ADD COLUMN handle text'), claims: quiet },
  ),
  ...pair(
    'ADD EXCLUDE',
    {
      sql: alter('ADD CONSTRAINT accounts_one_email EXCLUDE USING btree (email WITH =)'),
      modkit: ['constraint-builds-index'],
      claims: { locks: { accounts: 'AccessExclusiveLock' }, scans: ['accounts'] },
    },
    {
      sql:
        'CREATE TABLE bookings (room int);\nALTER TABLE bookings ADD CONSTRAINT bookings_one_room EXCLUDE USING ' +
        'btree (room WITH =);',
      claims: quiet,
    },
  ),
];

export const VALIDATIONS: readonly CorpusEntry[] = [
  ...pair(
    'ADD FOREIGN KEY',
    {
      sql: alter('ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id)'),
      modkit: ['constraint-validates-table'],
      claims: { scans: ['accounts', 'users'] },
    },
    {
      sql: alter('ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id) NOT VALID'),
      claims: { ...quiet, noScan: ['accounts', 'users'] },
    },
  ),
  ...pair(
    'ADD CHECK',
    {
      sql: alter('ADD CONSTRAINT balance_positive CHECK (balance >= 0)'),
      modkit: ['constraint-validates-table'],
      claims: { locks: { accounts: 'AccessExclusiveLock' }, scans: ['accounts'] },
    },
    { sql: alter('ADD CONSTRAINT balance_positive CHECK (balance >= 0) NOT VALID'), claims: quiet },
  ),
  ...pair(
    'SET NOT NULL',
    {
      sql: alter('ALTER COLUMN email SET NOT NULL'),
      modkit: ['constraint-validates-table'],
      claims: { locks: { accounts: 'AccessExclusiveLock' }, scans: ['accounts'] },
    },
    {
      setup: alter('ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL)'),
      sql: alter('ALTER COLUMN email SET NOT NULL'),
      claims: quiet,
    },
  ),
  ...pair(
    'CHECK in ADD COLUMN',
    {
      sql: alter('ADD COLUMN pct int CHECK (pct BETWEEN 0 AND 100)'),
      modkit: ['constraint-validates-table'],
      claims: { locks: { accounts: 'AccessExclusiveLock' }, scans: ['accounts'] },
    },
    {
      sql: `${alter('ADD COLUMN pct int')}\n${PCT_NOT_VALID}`,
      claims: quiet,
    },
  ),
  ...pair(
    'REFERENCES with a DEFAULT in ADD COLUMN',
    {
      sql: alter('ADD COLUMN referrer int DEFAULT 1 REFERENCES users (id)'),
      modkit: ['constraint-validates-table'],
      claims: { scans: ['accounts'] },
    },
    {
      sql: alter('ADD COLUMN referrer int REFERENCES users (id)'),
      claims: { ...quiet, noScan: ['accounts', 'users'] },
    },
  ),
  ...pair(
    'ATTACH PARTITION',
    {
      sql: "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      modkit: ['constraint-validates-table'],
      claims: { locks: { events_2024: 'AccessExclusiveLock' }, scans: ['events_2024'] },
    },
    {
      setup:
        'ALTER TABLE events_2024 ALTER COLUMN at SET NOT NULL;\n' +
        "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bounds CHECK (at >= '2024-01-01' AND at < '2025-01-01');",
      sql: "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      claims: { keeps: ['events_2024'], noScan: ['events_2024'] },
    },
  ),
  ...pair(
    'ALTER DOMAIN ADD CONSTRAINT',
    {
      sql: "ALTER DOMAIN plain_text ADD CONSTRAINT plain_text_set CHECK (VALUE <> '');",
      modkit: ['constraint-validates-table'],
      claims: { locks: { accounts: 'ShareLock' }, scans: ['accounts'] },
    },
    { sql: "ALTER DOMAIN plain_text ADD CONSTRAINT plain_text_set CHECK (VALUE <> '') NOT VALID;", claims: quiet },
  ),
  ...pair(
    'ADD COLUMN NOT NULL without a default',
    { sql: alter('ADD COLUMN plan text NOT NULL'), modkit: ['add-column-not-null'], claims: { fails: '23502' } },
    { sql: alter("ADD COLUMN plan text NOT NULL DEFAULT 'free'"), claims: quiet },
  ),
];

export const EXPLICIT_LOCKS: readonly CorpusEntry[] = [
  ...pair(
    'LOCK TABLE',
    { sql: 'LOCK TABLE accounts;', modkit: ['blocking-lock'], claims: { locks: { accounts: 'AccessExclusiveLock' } } },
    { sql: 'LOCK TABLE accounts IN ACCESS SHARE MODE;', claims: { locksBelow: { accounts: 'RowShareLock' } } },
  ),
  ...pair(
    'REFRESH MATERIALIZED VIEW',
    {
      sql: 'REFRESH MATERIALIZED VIEW account_totals;',
      modkit: ['blocking-lock'],
      claims: { locks: { account_totals: 'AccessExclusiveLock' } },
    },
    {
      sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY account_totals;',
      claims: { locksBelow: { account_totals: 'AccessExclusiveLock' } },
    },
  ),
  ...pair(
    'DETACH PARTITION',
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2023;',
      modkit: ['blocking-lock'],
      claims: { locks: { events: 'AccessExclusiveLock' } },
    },
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;',
      noTransaction: true,
      claims: { keeps: ['events_2023'] },
    },
  ),
];
