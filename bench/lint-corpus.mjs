#!/usr/bin/env node
/**
 * `node bench/lint-corpus.mjs [--squawk PATH]`: modkit's lint and squawk side by side on the lint
 * corpus (test/support/lint-corpus/, whose claims test/integration/lint-corpus.test.ts checks on
 * PostgreSQL). Each statement is a migration file after the corpus fixture: modkit lints the
 * project as `modkit lint` does; squawk gets the statement's file alone, as it is used. Only
 * squawk's safety rules count (locks, rewrites, breaking changes; not its style rules).
 * Prints a markdown table per class and the totals; `npm run build` first.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createJiti } from 'jiti';
import { findSquawk, runSquawk, SQUAWK_SAFETY_RULES, SQUAWK_VERSION } from './lib/squawk.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { squawk: { type: 'string' }, keep: { type: 'boolean', default: false } } });
const log = (line) => process.stderr.write(`${line}\n`);
const { CORPUS, FIXTURE } = await createJiti(import.meta.url).import('../test/support/lint-corpus/index.ts');

const dir = mkdtempSync(join(tmpdir(), 'modkit-lint-corpus-'));
try {
  const name = (i) => `m${String(i).padStart(3, '0')}`;
  writeFileSync(join(dir, 'modkit.config.mjs'), "export default { modules: ['modules/*/module.mjs'] };\n");
  const statementFiles = CORPUS.map((entry, i) => {
    const migrations = join(dir, 'modules', name(i), 'migrations');
    mkdirSync(migrations, { recursive: true });
    writeFileSync(
      join(dir, 'modules', name(i), 'module.mjs'),
      `export default { name: '${name(i)}', migrations: './migrations' };\n`,
    );
    writeFileSync(join(migrations, '0001_fixture.sql'), FIXTURE);
    if (entry.setup) writeFileSync(join(migrations, '0002_setup.sql'), `${entry.setup}\n`);
    const file = join(migrations, '0003_statement.sql');
    writeFileSync(file, `${entry.noTransaction ? '-- modkit:no-transaction\n' : ''}${entry.sql}\n`);
    return file;
  });

  const lint = JSON.parse(
    (() => {
      try {
        return execFileSync(
          process.execPath,
          [join(repo, 'bin/modkit.js'), 'lint', '--json', '--url', 'postgres://bench@127.0.0.1:1/none'],
          { cwd: dir, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
        ).toString();
      } catch (error) {
        return error.stdout.toString(); // exit 4: an error finding
      }
    })(),
  );
  const modkit = CORPUS.map((_, i) => [
    ...new Set(
      lint.findings
        .filter((f) => f.module === name(i) && f.id === '0003_statement' && !f.ignored)
        .map((f) => `${f.rule}${f.severity === 'info' ? ' (info)' : ''}`),
    ),
  ]);

  const squawkBin = findSquawk(values.squawk, log);
  const violations = runSquawk(squawkBin, statementFiles, dir);
  const squawk = statementFiles.map((file) => [
    ...new Set(violations.filter((v) => file.endsWith(v.file)).map((v) => v.rule_name)),
  ]);
  const style = [...new Set(squawk.flat().filter((r) => !SQUAWK_SAFETY_RULES.has(r)))].sort();

  const rows = new Map();
  CORPUS.forEach((entry, i) => {
    const row = rows.get(entry.class) ?? {};
    row[entry.kind] = { squawk: squawk[i].filter((r) => SQUAWK_SAFETY_RULES.has(r)), modkit: modkit[i] };
    rows.set(entry.class, row);
  });
  const cell = (rules) => (rules && rules.length > 0 ? rules.join(', ') : '—');
  const out = [];
  out.push(
    `squawk ${SQUAWK_VERSION} (safety rules only; also reported, not counted: ${style.join(', ') || 'nothing'}) and ` +
      `modkit lint on ${CORPUS.length} statements`,
  );
  out.push('');
  out.push('| class | dangerous: squawk | dangerous: modkit | safe twin: squawk | safe twin: modkit |');
  out.push('|---|---|---|---|---|');
  for (const [cls, row] of rows) {
    const d = row.dangerous ?? row.dynamic;
    out.push(
      `| ${cls}${row.dynamic ? ' (modkit: not analysable)' : ''} | ${cell(d?.squawk)} | ${cell(d?.modkit)} | ` +
        `${cell(row.safe?.squawk)} | ${cell(row.safe?.modkit)} |`,
    );
  }
  const dangerous = [...rows.values()].filter((r) => r.dangerous);
  const caught = (who) => dangerous.filter((r) => r.dangerous[who].some((x) => !x.endsWith('(info)'))).length;
  const falsePositives = (who) => [...rows.values()].filter((r) => r.safe && r.safe[who].length > 0).length;
  out.push('');
  out.push(
    `dangerous classes caught: squawk ${caught('squawk')} of ${dangerous.length}, modkit ${caught('modkit')} of ` +
      `${dangerous.length}`,
  );
  out.push(
    `safe twins flagged (false positives): squawk ${falsePositives('squawk')} of ${dangerous.length}, modkit ` +
      `${falsePositives('modkit')} of ${dangerous.length}`,
  );
  console.log(out.join('\n'));
} finally {
  if (values.keep) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
