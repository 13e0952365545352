import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** Per-command --help (issue 23 item 11): examples, the flags the command uses and no others, what --module selects. */
describe('per-command --help', () => {
  const help = async (command: string) => {
    const r = await runCli([command, '--help']);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  const options = (text: string) => text.slice(text.indexOf('Options:'), text.indexOf('Examples:'));

  it('every command shows examples of itself', async () => {
    for (const command of [
      'migrate',
      'run',
      'plan',
      'status',
      'validate',
      'lint',
      'rollback',
      'baseline',
      'repair',
      'new',
      'graph',
    ]) {
      const text = await help(command);
      expect(text, command).toMatch(new RegExp(`\\nExamples:\\n {2}\\$ modkit ${command}\\b`));
    }
  });

  it('read-only commands do not list the lock or --allow-* flags; the commands that use them do', async () => {
    for (const command of ['status', 'plan', 'validate', 'graph', 'lint']) {
      const listed = options(await help(command));
      for (const flag of [
        '--db-lock-timeout',
        '--lock-timeout',
        '--allow-drift',
        '--allow-missing',
        '--allow-out-of-order',
      ]) {
        expect(listed, `${command} --help lists ${flag}`).not.toContain(flag);
      }
    }
    const migrate = options(await help('migrate'));
    for (const flag of [
      '--db-lock-timeout',
      '--lock-timeout',
      '--allow-drift',
      '--allow-missing',
      '--allow-out-of-order',
    ])
      expect(migrate).toContain(flag);
    expect(options(await help('rollback'))).toContain('--allow-drift');
    expect(options(await help('rollback'))).toContain('--db-lock-timeout');
    for (const command of ['baseline', 'repair']) {
      // They take the lock, but run no migration: nothing waits for a lock inside the database.
      expect(options(await help(command))).toContain('--lock-timeout');
      expect(options(await help(command))).not.toContain('--db-lock-timeout');
    }
  });

  it('says what --module selects on each command that takes it', async () => {
    expect(await help('migrate')).toContain('--module M: M and every module it depends on');
    expect(await help('status')).toContain('--module M: M and every module it depends on');
    expect(await help('rollback')).toContain('--module M (or the argument M): M only, never its dependencies');
    expect(await help('lint')).toContain('--module M (or the argument M): M alone, not the modules it depends on');
    expect(await help('repair')).toContain('--module M: exactly M');
    expect(await help('baseline')).toContain('with --all, M and every module it depends on');
  });
});

describe('flags a read-only command keeps accepting, and errors with several problems', () => {
  let project: FixtureProject | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('plan and status still accept the hidden flags (scripts pass one set of flags to every command)', async () => {
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_t.sql': 'CREATE TABLE t (id INTEGER);' } },
    ]);
    for (const command of ['plan', 'status', 'validate']) {
      const r = await runCli([
        command,
        '-c',
        project.configPath,
        '--allow-drift',
        '--lock-timeout',
        '100',
        '--db-lock-timeout',
        '100',
      ]);
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
    }
  });

  it('a list of problems starts on a line of its own', async () => {
    project = await createFixtureProject([{ name: 'core' }, { name: 'users' }]);
    const r = await runCli(['status', '-c', project.configPath, '--module', 'usres', '--module', 'kore']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: 2 problems:\n- Unknown module "usres" \(did you mean "users"\?\)\.\n- Unknown module "kore" \(did you mean "core"\?\)\.\n/m,
    );
  });
});
