import { databaseOf, type DatabasePlacement } from '../config/module-databases.js';
import type { LintSettings } from '../config/types.js';
import { ModkitError } from '../errors.js';
import { lintMigrations, type LintCache, type LintReport } from '../lint/lint-migrations.js';
import type { MigrationPlan } from '../plan/types.js';
import type { EventSink, LintEventFinding } from './types.js';

/**
 * The lint `migrate` runs before anything else (README, "Safe deploys"): the pending SQL of
 * PostgreSQL modules only, so a run with nothing pending never loads the parser. Findings go to
 * the reporters as one `lint` event; with `lint.onMigrate: 'error'` (the default) any error refuses
 * the run, exit 4, before a migration runs.
 */
export async function lintPending(placement: DatabasePlacement, plan: MigrationPlan, settings: LintSettings, onEvent?: EventSink, cache?: LintCache): Promise<void> {
  if (settings.onMigrate === 'off') return;
  const inputs = plan.modules
    .filter((m) => m.pending.length > 0)
    .map((m) => ({ module: m.module.name, moduleFile: m.module.file, engine: databaseOf(placement, m.module.name).engine, migrations: m.pending }));
  if (inputs.length === 0) return;
  const report = await lintMigrations(inputs, settings.severities, cache);
  const findings = flatFindings(report);
  const refuse = settings.onMigrate === 'error' && report.errors > 0;
  if (findings.length > 0) onEvent?.({ type: 'lint', findings, refused: refuse });
  if (refuse) throw lintRefusal(findings.filter((f) => f.severity === 'error'));
}

function flatFindings(report: LintReport): LintEventFinding[] {
  return report.migrations.flatMap((m) =>
    m.findings
      .filter((f) => !f.ignored)
      .map((f) => ({ module: m.module, id: m.id, ...(m.file ? { file: m.file } : {}), line: f.line, rule: f.rule, severity: f.severity, message: f.message })),
  );
}

/** Exit 4: every lint error of the pending migrations, and the three ways forward. */
function lintRefusal(errors: readonly LintEventFinding[]): ModkitError {
  return new ModkitError(
    'validation',
    `refusing to migrate: the lint of the pending migrations found ${errors.length === 1 ? 'an error' : `${errors.length} errors`} before anything ran:\n` +
      errors.map((f) => `- ${f.module}/${f.id} (${f.file ?? 'inline'}, line ${f.line}) [${f.rule}] ${f.message}`).join('\n') +
      '\nFix the migration; or, knowing the risk, put -- modkit:lint-ignore <rule> <reason> above the statement, or run with --no-lint.',
    { details: { lint: errors } },
  );
}
