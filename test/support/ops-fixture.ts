import type { FixtureModule } from './project-fixture.js';

/**
 * The project the operations CLI tests run against: platform (system) <- users <- billing <- reports.
 * billing/0002_refunds is a plain `.sql` file, so it has no down (the missing-down refusal).
 */
export const OPS_MODULES: readonly FixtureModule[] = [
  {
    name: 'platform',
    system: true,
    migrations: {
      '0001_settings.up.sql': 'CREATE TABLE settings (k VARCHAR(50) PRIMARY KEY, v TEXT);',
      '0001_settings.down.sql': 'DROP TABLE settings;',
    },
  },
  {
    name: 'users',
    deps: ['platform'],
    migrations: {
      '0001_users.up.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100));',
      '0001_users.down.sql': 'DROP TABLE users;',
      '0002_email_index.mjs': `export async function up(db) { await db.raw('CREATE INDEX users_email ON users (email)'); }
export async function down(db) { await db.schema.alterTable('users', (t) => t.dropIndex(['email'], 'users_email')); }`,
    },
  },
  {
    name: 'billing',
    deps: ['users'],
    migrations: {
      '0001_invoices.up.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER);',
      '0001_invoices.down.sql': 'DROP TABLE invoices;',
      '0002_refunds.sql': 'CREATE TABLE refunds (id INTEGER PRIMARY KEY);',
    },
  },
  {
    name: 'reports',
    deps: ['billing'],
    migrations: {
      '0001_revenue.up.sql': 'CREATE TABLE revenue (day VARCHAR(10) PRIMARY KEY, total INTEGER);',
      '0001_revenue.down.sql': '-- undo the report table\nDROP TABLE revenue;',
    },
  },
];
