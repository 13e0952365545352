/**
 * The examples and the "what --module selects" line at the end of each command's `--help`
 * (docs/commands.md says the same at more length). Every example runs as written in a project.
 */

/** The help text after a command's options: its examples, then what `--module` selects there. */
export function examples(lines: Examples, module?: string): string {
  const width = Math.max(...lines.map(([command]) => command.length));
  // Side by side when every row fits in 100 columns; otherwise each description under its command.
  const fits = lines.every(([, what]) => 4 + width + 2 + what.length <= 100);
  const rows = lines.map(([command, what]) =>
    fits ? `  $ ${command.padEnd(width)}  ${what}` : `  $ ${command}\n      ${what}`,
  );
  return `\nExamples:\n${rows.join('\n')}\n${module ? `\n${module}\n` : ''}`;
}

export const MODULE_SELECTS_DEPS = '--module M: M and every module it depends on (repeatable); default: every module.';
export const ROLLBACK_MODULE =
  '--module M (or the argument M): M only, never its dependencies; its dependents only with --cascade.';
export const BASELINE_MODULE =
  '--module M: without --all, the one module to baseline (same as the argument);\n' +
  '            with --all, M and every module it depends on (repeatable).';

type Examples = readonly (readonly [string, string])[];

export const MIGRATE_EXAMPLES: Examples = [
  ['modkit migrate --only', 'apply every pending migration, then exit (the pre-deploy step)'],
  ['modkit migrate --only --module users', 'users and the modules it depends on'],
  [
    'modkit migrate --only --module users --to 0002_email_index',
    "users' dependencies completely, then users up to and including 0002_email_index",
  ],
  ['modkit migrate --dry-run --sql', 'change nothing: what would run, with its SQL (the same as `modkit plan --sql`)'],
  ['modkit migrate --only --url postgres://app@127.0.0.1/shop', 'another database than the configured one'],
  ['modkit migrate', 'migrate, then run the application until SIGINT/SIGTERM (as `modkit run`)'],
];

export const RUN_EXAMPLES: Examples = [
  ['modkit run', 'migrate, then init, start and run every module until SIGINT/SIGTERM'],
  ['modkit run --module users', 'only users and what it depends on'],
  ['modkit run --health-port 8081 --drain 5s', 'serve /livez, /readyz, /status; on SIGTERM, 503 for 5 s, then stop'],
  ['modkit run --no-migrate --wait-timeout 10m', 'a replica: wait for the migration Job to apply everything, then run'],
];

export const WAIT_EXAMPLES: Examples = [
  ['modkit wait', 'exit 0 once every migration is applied; exit 4 listing what is pending after 60 s'],
  ['modkit wait --timeout 10m', 'an init container that holds a pod back until the migration Job is done'],
];

export const PLAN_EXAMPLES: Examples = [
  ['modkit plan', 'every pending migration, in the order migrate would run them'],
  ['modkit plan --sql', 'the same, with the SQL of SQL migrations'],
  [
    'modkit plan --module users --to 0002_email_index',
    'what `migrate --only --module users --to 0002_email_index` would run',
  ],
];

export const STATUS_EXAMPLES: Examples = [
  ['modkit status', 'per module: applied, pending, last applied, problems'],
  ['modkit status --exit-code', 'exit 4 unless the database is exactly up to date (a CI gate)'],
  ['modkit status --json', 'the same facts as one JSON document'],
];

export const VALIDATE_EXAMPLES: Examples = [
  ['modkit validate', 'the files, then drift, missing, dirty and out-of-order against the database'],
  ['modkit validate --offline', 'the files only: graph, names, ids (no database)'],
];

export const LINT_EXAMPLES: Examples = [
  ['modkit lint', "every module's PostgreSQL migrations (no database)"],
  ['modkit lint --module billing', 'billing alone (the same as `modkit lint billing`)'],
  [
    'modkit lint --engine postgres',
    'lint as PostgreSQL when no database URL is configured (a CI job; nothing connects)',
  ],
  [
    'modkit lint --since origin/main --format github',
    "a pull request's own migration files, as GitHub Actions annotations",
  ],
];

export const ROLLBACK_EXAMPLES: Examples = [
  ['modkit rollback users', "undo users' newest migration"],
  ['modkit rollback --module users --steps 2 --dry-run', "what undoing users' last two migrations would run"],
  ['modkit rollback users --to 0001_users', 'undo everything after 0001_users (it stays applied)'],
  ['modkit rollback users --cascade', 'first undo every module that depends on users, completely'],
  ['modkit rollback --last-run', 'undo everything the most recent migrate applied'],
];

export const BASELINE_EXAMPLES: Examples = [
  ['modkit baseline users --to 0002_email_index', "record users' migrations up to 0002_email_index as applied"],
  ['modkit baseline --all', 'every module at its latest migration, none of them run'],
  ['modkit baseline --all --to users=0001_users', 'the same, but users only up to 0001_users'],
  ['modkit baseline --all --module billing', 'billing and the modules it depends on, each at its latest'],
];

export const REPAIR_EXAMPLES: Examples = [
  ['modkit repair', 're-record checksums, fill missing ones, clear dirty state, in every module'],
  ['modkit repair --module users', 'users only'],
  ['modkit repair --module users --retry', 'forget a dirty migration of users, so migrate runs it again'],
];

export const NEW_EXAMPLES: Examples = [
  ['modkit new users "add email"', 'modules/users/migrations/NNNN_add_email.up.sql and .down.sql'],
  ['modkit new users "backfill email" --ts', 'NNNN_backfill_email.ts exporting up(db) and down(db)'],
];

export const GRAPH_EXAMPLES: Examples = [
  ['modkit graph', 'modules, dependencies, system flags and the system-first order'],
  ['modkit graph --format mermaid', 'a Mermaid flowchart (GitHub renders it in Markdown)'],
  ['modkit graph --format dot | dot -Tsvg > graph.svg', 'a Graphviz drawing'],
];

/** The end of `modkit --help`: examples across commands, the environment, precedence, exit codes. */
export const HELP_AFTER = `
Examples:
  $ modkit migrate --only                      apply pending migrations, then exit (the pre-deploy step)
  $ modkit migrate --only --url postgres://app@127.0.0.1/shop
  $ modkit status --exit-code                  exit 4 unless the database is exactly up to date
  $ modkit plan --sql                          what migrate would run, in order, with the SQL
                                               (also: modkit migrate --dry-run --sql)
  $ modkit migrate --only --module users --to 0002_email
                                               users' dependencies, then users up to and including 0002_email
  $ modkit baseline --all                      adopt an existing database: record every migration, run none
  $ modkit lint                                check PostgreSQL migrations for unsafe statements (no database)
  $ modkit new users "add email"               write the next migration of module users (--ts for TypeScript)
  $ modkit rollback users --steps 2 --dry-run  what undoing the last two migrations of users would run
  $ modkit run                                 migrate, then run the modules until SIGINT/SIGTERM
  $ modkit run --no-migrate --health-port 8081 a replica: wait for the schema, run, serve /livez /readyz /status
  $ modkit wait --timeout 2m                   exit 0 once every migration is applied (exit 4 if not in time)
  $ modkit migrate --only --targets tenants.txt --parallel 4 --shard 1/3
                                               a fleet: every tenant database or schema listed, shard 1 of 3

Environment:
  MODKIT_DATABASE_URL  the database to migrate; wins over the config's database.url,
                       --env NAME and --url/--database-url win over it
  DATABASE_URL         the database to migrate only when nothing else names one, and never
                       when it is the config's runtime.url
  MODKIT_INSTANCE_ID   \`run\`: this process's instance id (default: a new UUID per process)
  .env                 read from beside the config file (or the files given with --dotenv PATH):
                       fills in variables the environment does not set; the environment wins

Precedence: defaults < config file < environment (completed from .env) < --env NAME < flags.
  See docs/configuration.md.
Exit codes: 0 ok or nothing to do, 1 a migration or hook failed, 2 usage/config/module error,
  3 lock timeout, 4 validation (drift, missing, dirty, out-of-order, lint errors), 5 database unreachable,
  130 interrupted. Run \`modkit <command> --help\` for a command's flags and examples.`;
