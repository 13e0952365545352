/**
 * The live catalog the lint reads is scoped to the session's search path and to the schemas the
 * pending statements name: in one database of many tenant schemas holding the same tables, one
 * tenant's read returns its own tables, not every tenant's (which made a fleet's lint quadratic:
 * 1,000 schemas x 20 migrations took 298 s to apply, most of it reading other tenants' catalogs).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOG_SQL, readPostgresLintCatalog } from '../../src/db/postgres/postgres-lint-catalog.js';
import type { SqlRunner } from '../../src/db/history-store.js';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';

let target: TestTarget | undefined;
let client: pg.Client | undefined;
afterEach(async () => {
  await client?.end();
  await target?.dispose();
  target = client = undefined;
});

async function tenantDatabase(): Promise<SqlRunner> {
  target = await createTarget('postgres');
  for (const schema of ['tenant_a', 'tenant_b', 'shared']) {
    await queryTarget(target, `CREATE SCHEMA ${schema}`);
    await queryTarget(target, `CREATE TABLE ${schema}.accounts (id int PRIMARY KEY, note varchar(10))`);
    await queryTarget(target, `CREATE INDEX accounts_note ON ${schema}.accounts (note)`);
    await queryTarget(target, `CREATE DOMAIN ${schema}.code AS text`);
  }
  client = new pg.Client({ connectionString: target.url });
  await client.connect();
  await client.query('SET search_path TO tenant_a');
  const c = client;
  return {
    query: async (sql, params) => (await c.query(sql, params as unknown[])).rows,
    exec: async (sql) => void (await c.query(sql)),
  };
}

describe('the lint catalog of one tenant schema', () => {
  it("holds the search path's relations, indexes and domains, not the other tenants'", async () => {
    const runner = await tenantDatabase();
    const catalog = await readPostgresLintCatalog(runner, {
      relations: ['accounts', 'accounts_note'],
      functions: [],
      schemas: [],
    });
    expect(catalog.searchPath).toEqual(['tenant_a']);
    expect(catalog.relations.map((r) => r.schema)).toEqual(['tenant_a']);
    expect(catalog.relations[0]!.columns.map((c) => c.name)).toEqual(['id', 'note']);
    expect(catalog.indexes.map((i) => i.schema)).toEqual(['tenant_a']);
    expect(catalog.domains.map((d) => d.schema)).toEqual(['tenant_a']);
  });

  it('and the schemas the statements name themselves', async () => {
    const runner = await tenantDatabase();
    const catalog = await readPostgresLintCatalog(runner, {
      relations: ['accounts'],
      functions: [],
      schemas: ['shared'],
    });
    expect(catalog.relations.map((r) => r.schema).sort()).toEqual(['shared', 'tenant_a']);
  });

  it('looks relations and indexes up schema by schema, never by name across every tenant', async () => {
    await tenantDatabase();
    const [{ 'QUERY PLAN': plan }] = (
      await client!.query(`EXPLAIN (FORMAT JSON) ${CATALOG_SQL}`, [['accounts', 'accounts_note'], [], []])
    ).rows;
    const scans: { relation: string; type: string; index?: string; cond?: string }[] = [];
    const walk = (node: Record<string, unknown>) => {
      if (node['Relation Name'] === 'pg_class')
        scans.push({
          relation: 'pg_class',
          type: String(node['Node Type']),
          index: node['Index Name'] as string | undefined,
          cond: node['Index Cond'] as string | undefined,
        });
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(plan[0].Plan);
    // Whatever the planner estimates: a small test catalog gets this plan either way, a catalog of
    // thousands of schemas with stale statistics got the lookup by name alone (every tenant's
    // table of that name) until each lookup was fenced inside its schema.
    expect(
      CATALOG_SQL.match(/CROSS JOIN LATERAL \(SELECT \w+\.oid[\s\S]*?relnamespace = n\.oid[\s\S]*?OFFSET 0\)/g),
    ).toHaveLength(2);
    // The tables and the indexes named: each a probe of (name, schema); the indexes' tables by oid.
    const byName = scans.filter((s) => s.index === 'pg_class_relname_nsp_index');
    expect(byName).toHaveLength(2);
    for (const scan of byName) expect(scan.cond).toMatch(/relnamespace = n(_\d+)?\.oid/);
    expect(
      scans.filter((s) => s.index !== 'pg_class_relname_nsp_index').every((s) => s.index === 'pg_class_oid_index'),
    ).toBe(true);
  });
});
