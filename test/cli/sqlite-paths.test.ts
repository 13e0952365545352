import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

describe('SQLite paths that cannot be created', () => {
  let project: FixtureProject;
  afterEach(async () => project?.cleanup());

  // Node 20's mkdirSync(…, { recursive: true }) loops for ever under /proc; modkit creates one level at a time.
  it.each([
    ['under /proc', 'sqlite:/proc/nonexistent/x.sqlite', "mkdir '/proc/nonexistent'"],
    ['through a file', 'sqlite:/etc/hostname/x.sqlite', 'SQLITE_CANTOPEN'],
  ])('%s: exit 5 at once, naming the path', async (_what, url, detail) => {
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (x INTEGER);' } },
    ]);
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', url]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot connect to ${url}`);
    expect(r.stderr).toContain(detail);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
