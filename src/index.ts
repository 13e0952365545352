/**
 * modkit: migrate the database of a modular application, module by module, then run its module
 * lifecycle. This is the library; the `modkit` CLI is a thin layer over it and is never imported here.
 */
export { defineConfig } from './config/define-config.js';
export { defineModule } from './modules/define-module.js';
export type {
  ModkitConfig,
  LintConfig,
  ResolvedConfig,
  DatabaseTarget,
  ModuleDatabaseConfig,
  ModuleDatabase,
  FleetTargets,
  FleetTargetSpec,
} from './config/types.js';
export type { DatabaseGroup } from './config/database-groups.js';
export type { Engine } from './engines/engine-table.js';
export type {
  ModuleDefinition,
  ModuleContext,
  ModuleLogger,
  SystemContext,
  InlineMigration,
  ScriptMigration,
  Migration,
  LoadedModule,
  ModuleServices,
  ServiceToken,
  HealthResult,
  HookTimeouts,
  ProcessDefinition,
  RestartSetting,
} from './modules/types.js';
/**
 * knex's types, as a migration's `up(db)` / `down(db)` and a module's `ctx.db` see them: a project
 * types its migrations with `import type { Knex } from 'modkit'` without depending on knex itself.
 */
export type { Knex } from './modules/knex-types.js';
export { defineService } from './lifecycle/services.js';

export { loadConfig, findConfigFile, CONFIG_FILE_NAMES, DATABASE_URL_ENV } from './config/load-config.js';
export { redactUrl } from './config/database-url.js';
export { loadProject, selectModules, type Project } from './project/load-project.js';
export { migrate, migrateProject, type MigrateReport } from './api/migrate.js';
export { inspect, type InspectReport } from './api/inspect.js';
export { validate, type ValidateOptions, type ValidateReport } from './api/validate.js';
export type { MigrateOptions, ProjectOptions } from './api/options.js';
export {
  lint,
  lintModules,
  LINT_RULES,
  type LintOptions,
  type LintProjectReport,
  type LintReport,
  type LintFinding,
  type LintedMigration,
  type NotLinted,
  type LintRuleName,
  type LintSeverity,
} from './api/lint.js';
export { planMigrations } from './plan/plan-migrations.js';
export { rollback, type RollbackOptions, type RollbackReport } from './api/rollback.js';
export {
  baseline,
  baselineAll,
  type BaselineOptions,
  type BaselineReport,
  type BaselineAllOptions,
  type BaselineAllReport,
} from './api/baseline.js';
export { repair, type RepairOptions, type RepairReport } from './api/repair.js';
export {
  createMigration,
  type NewMigrationOptions,
  type NewMigrationReport,
  type NewMigrationFormat,
} from './api/new-migration.js';
export {
  planRollback,
  type RollbackPlan,
  type RollbackRequest,
  type RollbackStep,
  type RollbackTarget,
  type RollbackBlocker,
} from './plan/plan-rollback.js';
export { planBaseline, planBaselineAll, type BaselinePlan, type BaselineConflict } from './plan/plan-baseline.js';
export { checkStopAt, type StopAt } from './plan/stop-at.js';
export { planRepair, type RepairPlan, type RepairChange } from './plan/plan-repair.js';
export type { MigrationPlan, ModulePlan, Problem, ProblemKind, AppliedRecord, AllowOptions } from './plan/types.js';
export type { ApplyResult, MigrationResult, ExecuteEvent, TxMode } from './execute/types.js';
export { historyTableName } from './db/history-table-name.js';
export { POSTGRES_LOCK_KEY } from './db/lock-key.js';
export {
  ModkitError,
  UsageError,
  EXIT_CODES,
  EXIT_SEVERITY,
  mostSevereExitCode,
  exitCodeOf,
  type ErrorKind,
} from './errors.js';
export { runPipeline } from './lifecycle/run-pipeline.js';
export { loadFleetTargets, type TargetsSource } from './fleet/load-targets.js';
export { resolveTargets, type FleetTarget } from './fleet/resolve-targets.js';
export { parseTargetsText, type ListedTarget } from './fleet/targets-file.js';
export { parseShard, shardOf, type Shard } from './fleet/shard.js';
export {
  runFleet,
  DEFAULT_FLEET_PARALLEL,
  type FleetOptions,
  type FleetReport,
  type FleetSummary,
  type TargetOutcome,
  type SkipReason,
} from './fleet/run-fleet.js';
export { migrateFleet, type MigrateFleetOptions, type FleetMigrateDetail } from './fleet/migrate-fleet.js';
export { inspectFleet, type InspectFleetOptions } from './fleet/inspect-fleet.js';
export { rollbackFleet, type RollbackFleetOptions, type FleetRollbackDetail } from './fleet/rollback-fleet.js';
export {
  baselineFleet,
  type BaselineFleetOptions,
  type BaselineFleetRequest,
  type FleetBaselineDetail,
} from './fleet/baseline-fleet.js';
export { repairFleet, type RepairFleetOptions, type FleetRepairDetail } from './fleet/repair-fleet.js';
export { runLifecycle, type LifecycleOptions } from './lifecycle/run-lifecycle.js';
export { INSTANCE_ID, INSTANCE_ID_ENV } from './lifecycle/instance-id.js';
export { waitForMigrations, DEFAULT_WAIT_TIMEOUT_MS, type WaitOptions, type WaitReport } from './api/wait.js';
export type { SchemaWait, PendingMigration } from './execute/wait-for-schema.js';
export type { RuntimeStatusDocument, ModuleStatus, HealthAnswer, ProcessStatus } from './lifecycle/runtime-status.js';
export { MODULE_CONFIG_ENV, MODULE_NAME_ENV, type RenderedModuleConfig } from './lifecycle/process-env.js';
export type {
  PipelineMode,
  PipelineOptions,
  PipelineReport,
  LifecycleReport,
  LifecycleEvent,
  LifecycleSink,
  LifecyclePhase,
  HookPhase,
  ProcessState,
  RuntimeState,
  StopProblem,
  RuntimeControl,
  Readiness,
  ReloadReport,
  ReloadResult,
} from './lifecycle/types.js';
