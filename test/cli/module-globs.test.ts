import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** Issue 15 #9: the glob syntax users know works in `modules`, and what is not understood is refused. */
let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const modules = [{ name: 'core', system: true }, { name: 'orders', deps: ['core'] }, { name: 'legacy' }];
const graphOf = async (globs: string[]) => {
  project = await createFixtureProject(modules, { modules: globs });
  return runCli(['graph', '--json', '-c', project.configPath]);
};
const names = (stdout: string) =>
  (JSON.parse(stdout) as { modules: { name: string }[] }).modules.map((m) => m.name).sort();

describe('module globs', () => {
  it("'!…' leaves a module out", async () => {
    const r = await graphOf(['modules/*/module.mjs', '!modules/legacy/module.mjs']);
    expect(r.code, r.stderr).toBe(0);
    expect(names(r.stdout)).toEqual(['core', 'orders']);
  });

  it('extglobs and braces select the same files', async () => {
    for (const globs of [
      ['modules/*/module.+(mjs|js)'],
      ['modules/@(core|orders)/module.mjs'],
      ['modules/{core,orders}/module.{mjs,ts}'],
    ]) {
      await project?.cleanup();
      const r = await graphOf(globs);
      expect(r.code, r.stderr).toBe(0);
      expect(names(r.stdout).filter((n) => n !== 'legacy')).toEqual(['core', 'orders']);
    }
  });

  it('a glob it does not understand is exit 2 with what to write instead', async () => {
    const r = await graphOf(['modules/*/module.(mjs|js)']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'error: module glob "modules/*/module.(mjs|js)": "(" is not glob syntax here: use {a,b} or @(a|b) for alternatives',
    );
  });
});
