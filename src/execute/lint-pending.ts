import { databaseKey } from '../config/database-key.js';
import { databaseOf, type DatabasePlacement } from '../config/module-databases.js';
import type { LintSettings } from '../config/types.js';
import { hasPostgresLint } from '../engines/engine-table.js';
import { ModkitError } from '../errors.js';
import { lintMigrations, type LintCache, type LintReport } from '../lint/lint-migrations.js';
import type { MigrationPlan } from '../plan/types.js';
import type { DatabaseSessions } from './locked-session.js';
import type { BodyLoader } from './run-step.js';
import type { EventSink, LintEventFinding } from './types.js';

export interface LintPendingOptions {
  readonly onEvent?: EventSink;
  /** Files already parsed in this process (a fleet parses each pending file once). */
  readonly cache?: LintCache;
  /** The run's sessions: each database's live catalog tells a live table from one nothing uses yet. */
  readonly sessions?: DatabaseSessions;
  /** The run's body loader: the steps then run what the lint read (modules/body-cache.ts). */
  readonly loadBody?: BodyLoader;
}

/**
 * The lint `migrate` runs before anything else (docs/lint.md): the pending SQL of
 * PostgreSQL modules only, so a run with nothing pending never loads the parser. Other engines have
 * one rule, transaction-control, which the refusal just before the lint has already enforced on the
 * same files (./refuse-transaction-control.ts, src/execute/db-phase.ts): linting them again would
 * read every pending file once more and could find nothing. The pending files
 * are one run: a table an earlier one creates, or one the live catalog does not have, is new and
 * draws no lock or rewrite warning. Findings go to the reporters as one `lint` event; with
 * `lint.onMigrate: 'error'` (the default) any error refuses the run, exit 4, before a migration runs.
 */
export async function lintPending(
  placement: DatabasePlacement,
  plan: MigrationPlan,
  settings: LintSettings,
  options: LintPendingOptions = {},
): Promise<void> {
  if (settings.onMigrate === 'off') return;
  const inputs = plan.modules
    .filter((m) => m.pending.length > 0 && hasPostgresLint(databaseOf(placement, m.module.name).engine))
    .map((m) => {
      const target = databaseOf(placement, m.module.name);
      const live = options.sessions?.of(m.module.name).lintCatalog;
      return {
        module: m.module.name,
        moduleFile: m.module.file,
        engine: target.engine,
        migrations: m.pending,
        database: databaseKey(target),
        ...(live ? { live } : {}),
      };
    });
  if (inputs.length === 0) return;
  const report = await lintMigrations(inputs, settings.severities, {
    scope: 'run',
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.loadBody ? { loadBody: options.loadBody } : {}),
  });
  for (const message of report.catalogProblems ?? []) options.onEvent?.({ type: 'warning', message });
  const findings = flatFindings(report);
  const refuse = settings.onMigrate === 'error' && report.errors > 0;
  if (findings.length > 0) options.onEvent?.({ type: 'lint', findings, refused: refuse });
  if (refuse) throw lintRefusal(findings.filter((f) => f.severity === 'error'));
}

function flatFindings(report: LintReport): LintEventFinding[] {
  return report.migrations.flatMap((m) =>
    m.findings
      .filter((f) => !f.ignored)
      .map((f) => ({
        module: m.module,
        id: m.id,
        ...(m.file ? { file: m.file } : {}),
        line: f.line,
        rule: f.rule,
        severity: f.severity,
        message: f.message,
      })),
  );
}

/** Exit 4: every lint error of the pending migrations, and the three ways forward. */
function lintRefusal(errors: readonly LintEventFinding[]): ModkitError {
  return new ModkitError(
    'validation',
    `refusing to migrate: the lint of the pending migrations found ` +
      `${errors.length === 1 ? 'an error' : `${errors.length} errors`} before anything ran:\n` +
      errors
        .map((f) => `- ${f.module}/${f.id} (${f.file ?? 'inline'}, line ${f.line}) [${f.rule}] ${f.message}`)
        .join('\n') +
      '\nFix the migration; or, knowing the risk, put -- modkit:lint-ignore <rule> <reason> above the statement, or ' +
      'run with --no-lint.',
    { details: { lint: errors } },
  );
}
