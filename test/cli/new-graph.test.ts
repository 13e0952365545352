import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPS_MODULES } from '../support/ops-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/**
 * `new` and `graph` need no database and load no driver. The project's database URL points at
 * a port nothing listens on, and a module hook makes importing `pg` or `better-sqlite3` throw.
 */
const NO_DB = { database: { url: 'postgres://nobody:secret@127.0.0.1:1/none' } };
const FORBID_DRIVERS = `import Module, { register } from 'node:module';
const forbidden = (s) => s === 'pg' || s === 'better-sqlite3';
register('data:text/javascript,' + encodeURIComponent(\`export async function resolve(s, c, next) {
  if (s === 'pg' || s === 'better-sqlite3') throw new Error('driver ' + s + ' must not be loaded');
  return next(s, c);
}\`));
// The CLI is a CommonJS bundle: its drivers come through require(), which the ESM hook does not see.
const load = Module._load;
Module._load = function (request, ...rest) {
  if (forbidden(request)) throw new Error('driver ' + request + ' must not be loaded');
  return load.call(this, request, ...rest);
};
`;

describe('modkit new and graph (no database)', () => {
  let project: FixtureProject;
  afterEach(async () => project?.cleanup());
  const setup = async () => {
    project = await createFixtureProject(
      [
        ...OPS_MODULES,
        {
          name: 'flags',
          source: `export default { name: 'flags', migrations: [{ id: '0001_flags', up: 'CREATE TABLE flags (k TEXT)' }] };\n`,
        },
      ],
      NO_DB,
    );
    await writeFile(join(project.dir, 'forbid-drivers.mjs'), FORBID_DRIVERS);
  };
  const cli = (...args: string[]) =>
    runCli([...args, '-c', project.configPath], {
      env: { NODE_OPTIONS: `--import=${join(project.dir, 'forbid-drivers.mjs')}` },
    });

  it('the driver guard really fails a command that opens the database', async () => {
    await setup();
    const r = await cli('status');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('must not be loaded');
  });

  it('new writes the next zero-padded SQL pair by default, and a TS file with --ts', async () => {
    await setup();
    const sql = await cli('new', 'billing', 'add refunds v2');
    expect(sql.code, sql.stderr).toBe(0);
    const dir = join(project.dir, 'modules', 'billing', 'migrations');
    expect(sql.stdout).toMatch(
      new RegExp(
        `^Created ${join(dir, '0003_add_refunds_v2.up.sql')}\nCreated ${join(dir, '0003_add_refunds_v2.down.sql')}\nNext: write the SQL`,
      ),
    );
    const ts = await cli('new', 'billing', 'Credit notes', '--ts', '--json');
    expect(ts.code, ts.stderr).toBe(0);
    expect(JSON.parse(ts.stdout)).toMatchObject({
      modkit: 1,
      command: 'new',
      exitCode: 0,
      module: 'billing',
      id: '0004_credit_notes',
      format: 'ts',
    });
    const source = await readFile(join(dir, '0004_credit_notes.ts'), 'utf8');
    expect(source).toContain("import type { Knex } from 'modkit';");
    expect(source).toMatch(/export async function up\(db: Knex\)[\s\S]*export async function down\(db: Knex\)/);
    expect((await readdir(dir)).sort()).toEqual([
      '0001_invoices.down.sql',
      '0001_invoices.up.sql',
      '0002_refunds.sql',
      '0003_add_refunds_v2.down.sql',
      '0003_add_refunds_v2.up.sql',
      '0004_credit_notes.ts',
    ]);
    // Stubs not written yet stop neither the next `new` (above) nor graph, which applies nothing.
    expect((await cli('graph')).code).toBe(0);
  });

  it('new refuses an unknown module with did-you-mean, an inline-migration module, and both --sql and --ts', async () => {
    await setup();
    const unknown = await cli('new', 'biling', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown module "biling" (did you mean "billing"?)');
    const inline = await cli('new', 'flags', 'more flags');
    expect(inline.code).toBe(2);
    expect(inline.stderr).toContain('defines its migrations inline');
    const both = await cli('new', 'billing', 'x', '--sql', '--ts');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either --sql or --ts');
  });

  it('graph prints modules, deps, system flags and the orders as text, mermaid, dot and JSON', async () => {
    await setup();
    const text = await cli('graph');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      'platform [system]\nflags\nusers\n  -> platform\nbilling\n  -> users\nreports\n  -> billing\n\n' +
        'topological: flags, platform, users, billing, reports\nsystem-first: platform, flags, users, billing, reports\n',
    );
    const mermaid = await cli('graph', '--format', 'mermaid');
    expect(mermaid.stdout).toContain('m_platform["platform"]:::system');
    expect(mermaid.stdout).toContain('m_reports --> m_billing');
    const dot = await cli('graph', '--format', 'dot');
    expect(dot.stdout).toMatch(/^digraph modkit \{/);
    expect(dot.stdout).toContain('"platform" [shape=box];');
    const json = await cli('graph', '--json');
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({
      modkit: 1,
      command: 'graph',
      exitCode: 0,
      topological: ['flags', 'platform', 'users', 'billing', 'reports'],
      systemFirst: ['platform', 'flags', 'users', 'billing', 'reports'],
      stop: ['reports', 'billing', 'users', 'platform', 'flags'],
    });
    const bad = await cli('graph', '--format', 'png');
    expect(bad.code).toBe(2);
  });
});
