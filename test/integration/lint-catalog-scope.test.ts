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
      types: ['code'],
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
      types: [],
    });
    expect(catalog.relations.map((r) => r.schema).sort()).toEqual(['shared', 'tenant_a']);
  });

  it('looks relations and indexes up schema by schema, never by name across every tenant', async () => {
    await tenantDatabase();
    const [{ 'QUERY PLAN': plan }] = (
      await client!.query(`EXPLAIN (FORMAT JSON) ${CATALOG_SQL}`, [['accounts', 'accounts_note'], [], [], []])
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

  it('holds the domains the statements name and those of the requested tables’ columns, looked up by name schema by schema', async () => {
    const runner = await tenantDatabase();
    await queryTarget(target!, 'CREATE DOMAIN tenant_a.email AS text');
    await queryTarget(target!, 'CREATE DOMAIN tenant_a.unused AS int');
    await queryTarget(target!, 'CREATE TABLE tenant_a.people (id int, mail tenant_a.email, tags tenant_a.code[])');
    const read = (types: string[]) =>
      readPostgresLintCatalog(runner, { relations: ['people'], functions: [], schemas: [], types });
    const names = async (types: string[]) => (await read(types)).domains.map((d) => `${d.schema}.${d.name}`).sort();
    // The columns' domains (an array's element too), whatever the statements name; not the others.
    expect(await names([])).toEqual(['tenant_a.code', 'tenant_a.email']);
    expect(await names(['unused', 'text'])).toEqual(['tenant_a.code', 'tenant_a.email', 'tenant_a.unused']);
    // Another tenant's domain of a name the statements use is not on this search path.
    expect((await read(['code'])).domains.every((d) => d.schema === 'tenant_a')).toBe(true);

    // All of a schema's domains meant a scan of pg_type, two rows a table of every tenant (5 ms a
    // tenant at 2,000 schemas, 99 ms at 10,000); now a probe of (name, schema) each, fenced as above.
    expect(CATALOG_SQL).toMatch(
      /CROSS JOIN LATERAL \(SELECT t\.oid FROM pg_type t\s+WHERE t\.typnamespace = n\.oid AND t\.typname = ANY\(\$4::text\[\]\)[\s\S]*?OFFSET 0\)/,
    );
    const [{ 'QUERY PLAN': plan }] = (
      await client!.query(`EXPLAIN (FORMAT JSON) ${CATALOG_SQL}`, [['people'], [], [], ['unused']])
    ).rows;
    const byName: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      if (node['Index Name'] === 'pg_type_typname_nsp_index') byName.push(String(node['Index Cond']));
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(plan[0].Plan);
    expect(byName).toHaveLength(1);
    expect(byName[0]).toMatch(/typnamespace = n(_\d+)?\.oid/);
  });
});
