/**
 * The layer rules of .dependency-cruiser.cjs (docs/architecture.md) catch what they are for: run
 * on a small tree with one import of each forbidden kind, they name each one and nothing else.
 * The real tree is checked by `npm run check:layers` (CI), which runs the same config on src/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const dir = mkdtempSync(join(tmpdir(), 'modkit-layers-'));

const FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
    include: ['src'],
  }),
  // Allowed: lint above config.
  'src/lint/rules.ts': "import { c } from '../config/settings.js';\nexport const rules = c;\n",
  'src/config/settings.ts': 'export const c = 1;\n',
  // Forbidden: config below lint.
  'src/config/load.ts': "import { rules } from '../lint/rules.js';\nexport const load = rules;\n",
  // Forbidden: plan beside lint in one layer.
  'src/plan/plan.ts': "import { rules } from '../lint/rules.js';\nexport const plan = rules;\n",
  // Forbidden: a cycle that runs.
  'src/util/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
  'src/util/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  // Allowed: a cycle through types only (erased at build time).
  'src/util/t1.ts': "import type { T2 } from './t2.js';\nexport interface T1 { readonly next?: T2 }\n",
  'src/util/t2.ts': "import type { T1 } from './t1.js';\nexport interface T2 { readonly next?: T1 }\n",
  // Forbidden: a folder that is in no layer.
  'src/stray/stray.ts': "import { c } from '../config/settings.js';\nexport const stray = c;\n",
};

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.dependency-cruiser.cjs', () => {
  it('names each import against the layers and each cycle that runs, and nothing else', () => {
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const args = [depcruise, 'src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'];
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      stdout = (error as { stdout: string }).stdout; // exit 1: violations found (expected here)
    }
    const violations = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
    // A cycle is reported once, from whichever of its files comes first.
    const found = violations
      .map((v) =>
        v.rule.name === 'no-cycle'
          ? `no-cycle: ${[v.from, v.to].sort().join(' ↔ ')}`
          : `${v.rule.name}: ${v.from} → ${v.to}`,
      )
      .sort();
    expect(found).toEqual(
      [
        'layer-config: src/config/load.ts → src/lint/rules.ts',
        'layer-plan: src/plan/plan.ts → src/lint/rules.ts',
        'no-cycle: src/util/a.ts ↔ src/util/b.ts',
        'src-outside-layers: src/stray/stray.ts → src/config/settings.ts',
      ].sort(),
    );
  }, 60_000);
});
