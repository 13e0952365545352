import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { BIN, startCli } from '../support/run-cli.js';

/**
 * Issue 15 #6: each migration's line appears when that migration finishes, not when the run ends.
 * The second migration waits until the test creates a file, so "the first line is out while the
 * second migration still runs" is observed, not timed. On a TTY (a pseudo-terminal from util-linux
 * `script`) the progress line shows too; on a pipe it does not.
 */
let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

async function blockingProject(): Promise<{ project: FixtureProject; release: string; db: string }> {
  const p = await createFixtureProject([
    {
      name: 'core',
      system: true,
      migrations: {
        '0001_first.sql': 'CREATE TABLE first (id INTEGER PRIMARY KEY);',
        '0002_waits.mjs': `import { existsSync } from 'node:fs';
export async function up(db) {
  while (!existsSync(process.env.RELEASE_DIR + '/release')) await new Promise((r) => setTimeout(r, 20));
  await db.raw('CREATE TABLE second (id INTEGER PRIMARY KEY)');
}
`,
      },
    },
  ]);
  project = p;
  return { project: p, release: join(p.dir, 'release'), db: join(p.dir, 'db.sqlite') };
}

/** A duration as printed: `12 ms`, or `1.21 s` on a loaded machine. */
const DURATION = String.raw`\d+(?:\.\d+)? m?s`;
const FIRST_LINE = new RegExp(String.raw`core\s+0001_first\s+${DURATION}`);

describe('per-migration lines stream as each migration finishes', () => {
  it('on a TTY: the first line is printed while the second migration runs, with the progress line', async () => {
    const { project: p, release, db } = await blockingProject();
    const command = [process.execPath, BIN, 'migrate', '--only', '-c', p.configPath, '--database-url', `sqlite:${db}`]
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, RELEASE_DIR: p.dir, MODKIT_DATABASE_URL: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(out) && resolve();
        child.stdout.on('data', (d: Buffer) => ((out += d.toString()), check()));
        child.on('close', () => reject(new Error(`ended before ${pattern}: ${JSON.stringify(out)}`)));
        check();
      });
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    await seen(/\[2\/2\] core 0002_waits/);
    expect(out).toMatch(FIRST_LINE);
    expect(existsSync(release)).toBe(false); // the second migration cannot have finished
    expect(out).not.toContain('Applied');
    writeFileSync(release, '');
    expect(await done).toBe(0);
    expect(out).toMatch(new RegExp(String.raw`core\s+0002_waits\s+${DURATION}`));
    expect(out).toContain('Applied 2 migrations in 1 module');
    expect(out).toContain('\x1b[2K'); // the progress line, cleared before each result line
    child.stdin.end();
  });

  it('on a pipe: lines stream too, without progress escapes', async () => {
    const { project: p, release, db } = await blockingProject();
    const cli = startCli(['migrate', '--only', '-c', p.configPath, '--database-url', `sqlite:${db}`], {
      env: { RELEASE_DIR: p.dir },
    });
    await cli.waitFor(FIRST_LINE);
    expect(cli.stdout()).not.toContain('Applied');
    writeFileSync(release, '');
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout.split('\n').filter((l) => /0001_first|0002_waits/.test(l))).toHaveLength(2);
  });

  it('on a pipe: the lines of finished migrations are out while a SQLite statement holds the thread', async () => {
    // 200 quick migrations, then one whose single statement runs for minutes on the main thread
    // (SQLite runs in process): no timer can fire while it runs, so the lines that wait are written
    // before it starts, and every line before it is out, in order (test/unit/output-lines.test.ts).
    const migrations: Record<string, string> = {};
    for (let i = 1; i <= 200; i += 1)
      migrations[`${String(i).padStart(4, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id INTEGER PRIMARY KEY);`;
    migrations['0201_long.sql'] =
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000000) SELECT count(*) FROM c;';
    project = await createFixtureProject([{ name: 'core', system: true, migrations }]);
    const db = join(project.dir, 'db.sqlite');
    const cli = startCli(['migrate', '--only', '-c', project.configPath, '--database-url', `sqlite:${db}`]);
    try {
      await cli.waitFor(new RegExp(String.raw`core\s+0200_t200\s+${DURATION}`), 60_000);
      const lines = cli
        .stdout()
        .split('\n')
        .filter((l) => /^\s+core\s+\d{4}_/.test(l));
      expect(lines.map((l) => l.trim().split(/\s+/)[1])).toEqual(
        Array.from({ length: 200 }, (_, i) => `${String(i + 1).padStart(4, '0')}_t${i + 1}`),
      );
      expect(cli.stdout()).not.toContain('Applied');
    } finally {
      cli.child.kill('SIGKILL');
      await cli.done;
    }
  });

  it('--json: the lines stream on stderr, stdout holds only the document', async () => {
    const { project: p, release, db } = await blockingProject();
    const cli = startCli(['migrate', '--only', '--json', '-c', p.configPath, '--database-url', `sqlite:${db}`], {
      env: { RELEASE_DIR: p.dir },
    });
    await cli.waitFor(FIRST_LINE);
    expect(cli.stdout()).toBe('');
    writeFileSync(release, '');
    const r = await cli.done;
    expect(JSON.parse(r.stdout)).toMatchObject({ summary: { applied: 2 } });
    expect(r.stderr).not.toContain('\x1b');
  });
});
