import { Command, Option } from 'commander';
import { ENGINE_KEYS } from '../engines/engine-table.js';
import { addCommonOptions, collect, parsePositiveInt, txModeOption } from './common-options.js';
import { parseDurationFlag, parsePort } from './common-options.js';
import {
  BASELINE_EXAMPLES,
  BASELINE_MODULE,
  examples,
  GRAPH_EXAMPLES,
  HELP_AFTER,
  LINT_EXAMPLES,
  MIGRATE_EXAMPLES,
  MODULE_SELECTS_DEPS,
  NEW_EXAMPLES,
  PLAN_EXAMPLES,
  REPAIR_EXAMPLES,
  ROLLBACK_EXAMPLES,
  ROLLBACK_MODULE,
  RUN_EXAMPLES,
  STATUS_EXAMPLES,
  VALIDATE_EXAMPLES,
  WAIT_EXAMPLES,
} from './help-examples.js';
import { addFleetOptions } from './fleet-options.js';
import { applyEnvFiles } from './env-files.js';
import { Output } from './output.js';

/** Runs a command handler with its output; the handler returns the exit code. */
export type Handler = (
  flags: Record<string, unknown>,
  output: Output,
  signal: AbortSignal,
  args: readonly string[],
) => Promise<number | HandlerResult>;

/** A handler's exit code, and whether the first signal was its normal way to end (`modkit run`: exit 0, not 130). */
export interface HandlerResult {
  readonly exitCode: number;
  readonly signalHandled: boolean;
}

export interface ProgramContext {
  readonly signal: AbortSignal;
  /** Receives the exit code and the output of the command that ran. */
  readonly done: (exitCode: number, output: Output, signalHandled?: boolean) => void;
  /** The output of the command being run, so the entry point can report errors in its format. */
  readonly setOutput: (output: Output) => void;
}

/**
 * The commander program. Handlers are imported lazily, so `--help` and the commands that need no
 * database load neither drivers nor the execution engine.
 */
export function buildProgram(context: ProgramContext): Command {
  const program = new Command('modkit')
    .description('Migrate the database of a modular application, module by module, then run its module lifecycle.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', HELP_AFTER);

  const action =
    (load: () => Promise<Handler>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      const flags = command.opts();
      const output = new Output(flags);
      context.setOutput(output);
      await applyEnvFiles(flags, output);
      const handler = await load();
      const positional = args
        .slice(0, -2)
        .flat()
        .filter((a): a is string => typeof a === 'string');
      const result = await handler(flags, output, context.signal, positional);
      if (typeof result === 'number') context.done(result, output);
      else context.done(result.exitCode, output, result.signalHandled);
    };

  addFleetOptions(addCommonOptions(program.command('migrate')), { canary: true })
    .description('apply pending migrations (pre_init + db); without --only, go on to run the application')
    .option('--only', 'stop after the db phase (the CI/CD pre-deploy step)')
    .option(
      '--to <id>',
      'with --only: stop after this migration of the --module module, or MODULE=ID (repeatable)',
      collect,
    )
    .option('--dry-run', 'change nothing: print what would run, exactly as `modkit plan` with the same flags')
    .option('--sql', 'with --dry-run: print the SQL of SQL migrations')
    .addOption(txModeOption())
    .option(
      '--concurrency <n>',
      'migrate independent modules in parallel, each on its own connection (SQLite has one writer: one by one)',
      parsePositiveInt,
      1,
    )
    .option('--no-lint', 'do not lint the pending migrations first (see `modkit lint`)')
    .addHelpText('after', examples(MIGRATE_EXAMPLES, MODULE_SELECTS_DEPS))
    .action(action(async () => (await import('./commands/migrate.js')).migrateOnly as Handler));

  addCommonOptions(program.command('run'))
    .description(
      'migrate (pre_init + db), then run the application: init, post_init, start, wait for SIGINT/SIGTERM, drain, stop',
    )
    .addOption(txModeOption())
    .option(
      '--concurrency <n>',
      'migrate independent modules in parallel, each on its own connection (SQLite has one writer: one by one)',
      parsePositiveInt,
      1,
    )
    .option('--no-lint', 'do not lint the pending migrations first (see `modkit lint`)')
    .option('--health-port <port>', 'serve GET /livez, /readyz and /status on this port (0: a free one)', parsePort)
    .option('--drain <duration>', 'on SIGTERM/SIGINT, /readyz 503 this long before modules stop', parseDurationFlag)
    .option('--no-migrate', 'skip the db phase: wait until another run (the migration Job) applied every migration')
    .option('--wait-timeout <duration>', 'with --no-migrate: how long to wait (default 60s)', parseDurationFlag)
    .option('--instance-id <id>', "this process's instance id (default: MODKIT_INSTANCE_ID, else a new UUID)")
    .addHelpText('after', examples(RUN_EXAMPLES, MODULE_SELECTS_DEPS))
    .action(action(async () => (await import('./commands/run.js')).runCommand as Handler));

  addCommonOptions(program.command('wait'), { readOnly: true })
    .description('read-only: wait until every migration is applied (replicas, init containers); exit 4 if not in time')
    .option('--timeout <duration>', 'how long to wait: 60s, 500ms, 2m or ms (default 60s)', parseDurationFlag)
    .addHelpText('after', examples(WAIT_EXAMPLES, MODULE_SELECTS_DEPS))
    .action(action(async () => (await import('./commands/wait.js')).waitCommand as Handler));

  addFleetOptions(addCommonOptions(program.command('plan'), { readOnly: true }))
    .description('show what migrate would do, in order, without writing anything (also: `modkit migrate --dry-run`)')
    .option('--sql', 'print the SQL of SQL migrations')
    .option(
      '--to <id>',
      'what `migrate --only --to` would do: stop after this migration of the --module module, or MODULE=ID',
      collect,
    )
    .addHelpText('after', examples(PLAN_EXAMPLES, MODULE_SELECTS_DEPS))
    .action(action(async () => (await import('./commands/inspect.js')).planCommand as Handler));

  addFleetOptions(addCommonOptions(program.command('status'), { readOnly: true }))
    .description('per module: applied, pending, last applied id and time, problems')
    .option('--exit-code', 'exit 4 unless the database is exactly up to date')
    .addHelpText('after', examples(STATUS_EXAMPLES, MODULE_SELECTS_DEPS))
    .action(action(async () => (await import('./commands/inspect.js')).statusCommand as Handler));

  addFleetOptions(addCommonOptions(program.command('validate'), { readOnly: true }))
    .description(
      'check the graph, file names, ids and files; with a reachable database also drift, missing, dirty, out-of-order',
    )
    .option('--offline', 'do not contact the database')
    .addHelpText('after', examples(VALIDATE_EXAMPLES, MODULE_SELECTS_DEPS))
    .action(action(async () => (await import('./commands/validate.js')).validateCommand as Handler));

  addCommonOptions(program.command('lint').argument('[module...]', 'lint only these modules (default: all)'), {
    database: false,
  })
    // Nothing connects: the URL only says which engine the migrations are written for.
    .option(
      '--url, --database-url <url>',
      "lint as this URL's engine (nothing connects), e.g. postgres://… when none is configured",
    )
    .option(
      '--module <name>',
      'lint only this module, not what it depends on (repeatable; same as the argument)',
      collect,
    )
    .addHelpText(
      'after',
      examples(LINT_EXAMPLES, '--module M (or the argument M): M alone, not the modules it depends on.'),
    )
    .addOption(
      new Option('--engine <engine>', 'the engine of modules no URL names (a CI job without a database URL)').choices(
        ENGINE_KEYS,
      ),
    )
    .addOption(
      new Option('--format <format>', 'text, json (as --json) or github (annotations for GitHub Actions)')
        .choices(['text', 'json', 'github'])
        .default('text'),
    )
    .option(
      '--since <ref>',
      'report only migration files added or changed since this git ref (a pull request: --since origin/main)',
    )
    .hook('preAction', (command) => {
      if (command.opts().format === 'json') command.setOptionValue('json', true);
    })
    .description(
      "check PostgreSQL migrations with PostgreSQL's own parser for statements that fail or hurt a live database (no database needed)",
    )
    .action(action(async () => (await import('./commands/lint.js')).lintCommand as Handler));

  addOperationCommands(program, action);
  return program;
}

/** rollback, baseline, repair, new, graph (the operations issue): registered apart to keep merges small. */
function addOperationCommands(
  program: Command,
  action: (load: () => Promise<Handler>) => (...args: unknown[]) => Promise<void>,
): void {
  const writing = (command: Command, runsMigrations = true) =>
    addCommonOptions(command, { selection: false, runsMigrations });

  addFleetOptions(
    writing(program.command('rollback').argument('[module]', 'the module to roll back (or --module M, or --last-run)')),
  )
    .description(
      'run the down of applied migrations, newest first; refuses while dependents are applied unless --cascade',
    )
    .option(
      '--module <name>',
      'the module to roll back (same as the argument): that module only, never its dependencies',
      collect,
    )
    .option('--steps <n>', 'how many migrations to undo (default 1)', parsePositiveInt)
    .option('--to <id>', 'undo every migration after this one (it stays applied)')
    .option('--cascade', 'first roll back, completely, every module that depends on this one')
    .option('--dry-run', 'print the plan and the SQL of SQL downs, change nothing')
    .option('--last-run', 'undo everything the most recent migrate applied, across modules, newest first')
    .option('--allow-drift', 'undo migrations whose file changed after they were applied')
    .addHelpText('after', examples(ROLLBACK_EXAMPLES, ROLLBACK_MODULE))
    .action(action(async () => (await import('./commands/rollback.js')).rollbackCommand as Handler));

  addFleetOptions(
    writing(
      program.command('baseline').argument('[module]', 'the module to baseline (or --module M, or --all)'),
      false,
    ),
  )
    .description('record migrations up to ID as applied without running them (adopting an existing database)')
    .option(
      '--to <id>',
      'the newest migration to record: ID for the one module, or MODULE=ID (repeatable, with --all)',
      collect,
    )
    .option(
      '--all',
      'every selected module at its latest migration (or at its --to MODULE=ID): one lock, one transaction per database',
    )
    .option(
      '--module <name>',
      'with --all: only this module and what it depends on (repeatable); without: the module to baseline',
      collect,
    )
    .addHelpText('after', examples(BASELINE_EXAMPLES, BASELINE_MODULE))
    .action(action(async () => (await import('./commands/baseline.js')).baselineCommand as Handler));

  addFleetOptions(writing(program.command('repair'), false))
    .description('re-record checksums of applied migrations, fill missing ones, clear dirty state')
    .option('--module <name>', 'only this module (repeatable; not its dependencies)', collect)
    .option(
      '--retry',
      'forget dirty migrations (after you undid their partial work by hand), so migrate runs them again',
    )
    .addHelpText(
      'after',
      examples(REPAIR_EXAMPLES, '--module M: exactly M (repeatable), not what it depends on; default: every module.'),
    )
    .action(action(async () => (await import('./commands/repair.js')).repairCommand as Handler));

  addCommonOptions(
    program
      .command('new')
      .argument('<module>', 'the module')
      .argument('<name...>', 'what the migration does, e.g. "add refunds"'),
    { database: false },
  )
    .description('write the next migration file of a module, with an up/down skeleton')
    .option('--sql', 'SQL: NNNN_name.up.sql + NNNN_name.down.sql (default)')
    .option('--ts', 'TypeScript: NNNN_name.ts exporting up(db) and down(db)')
    .addHelpText('after', examples(NEW_EXAMPLES))
    .action(action(async () => (await import('./commands/new.js')).newCommand as Handler));

  addCommonOptions(program.command('graph'), { database: false })
    .description('the module graph, system flags and the system-first order (no database)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'mermaid', 'dot']).default('text'))
    .addHelpText('after', examples(GRAPH_EXAMPLES))
    .action(action(async () => (await import('./commands/graph.js')).graphCommand as Handler));
}

declare const __MODKIT_VERSION__: string | undefined;
const VERSION = typeof __MODKIT_VERSION__ === 'string' ? __MODKIT_VERSION__ : '0.1.0';
