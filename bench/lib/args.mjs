/**
 * Command-line options of `npm run bench` (`npm run bench -- --help`).
 * Defaults are the workload: 50 modules x 20 migrations, every engine.
 */
import { parseArgs } from 'node:util';

const HELP = `usage: npm run bench -- [options]

  --modules M          modules in the workload (default 50)
  --migrations K       migrations per module (default 20)
  --reps N             timed repetitions per tool and phase (default 7; the no-op runs 3x as many)
  --engines LIST       sqlite,postgres,mysql (default all three)
  --pg-url URL         admin URL for PostgreSQL; fresh databases are created and dropped there
                       (default $MODKIT_BENCH_PG_URL, $MODKIT_TEST_PG_URL, or postgres://postgres@127.0.0.1:5432/postgres)
  --mysql-url URL      admin URL for MariaDB/MySQL; fresh databases are created and dropped there
                       (default $MODKIT_BENCH_MYSQL_URL, $MODKIT_TEST_MYSQL_URL, or mysql://root@127.0.0.1:3306/test)
  --concurrency LIST   extra modkit apply runs with --concurrency N on PostgreSQL and MariaDB (default 2,4)
  --modkit-format F    sql (default) or mjs: modkit migrations as .mjs scripts calling db.raw, like knex's
  --scale              also run a workload 10x larger (M*10 modules) and report the growth ratio
  --scale-reps N       repetitions for the scale run (default 3)
  --squawk PATH        squawk binary for the lint row (default: squawk-cli installed with npm in a scratch directory)
  --quick              a short run for CI: 10 x 20, 3 repetitions, no --help or lint rows, no --concurrency
                       rows unless --concurrency is given (shown, not checked); exits 1 only when an apply
                       or no-op ratio is more than twice its target (a 2x regression, not noise)
  --keep               keep the generated workload directory
  --json               print the results as one JSON document as well`;

export function parseBenchArgs(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      modules: { type: 'string', default: '50' },
      migrations: { type: 'string', default: '20' },
      reps: { type: 'string', default: '7' },
      engines: { type: 'string', default: 'sqlite,postgres,mysql' },
      'pg-url': { type: 'string' },
      'mysql-url': { type: 'string' },
      concurrency: { type: 'string', default: '2,4' },
      'modkit-format': { type: 'string', default: 'sql' },
      scale: { type: 'boolean', default: false },
      'scale-reps': { type: 'string', default: '3' },
      squawk: { type: 'string' },
      keep: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (values.quick) {
    // Only what was not given: `--quick --engines sqlite` keeps the engines.
    const given = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]));
    if (!given.has('modules')) values.modules = '10';
    if (!given.has('reps')) values.reps = '3';
    if (!given.has('concurrency')) values.concurrency = '';
  }
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${name} must be a positive whole number, got ${values[name]}`);
    return n;
  };
  const engines = values.engines
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of engines) if (!['sqlite', 'postgres', 'mysql'].includes(e)) throw new Error(`unknown engine ${e}`);
  if (!['sql', 'mjs'].includes(values['modkit-format'])) throw new Error('--modkit-format must be sql or mjs');
  return {
    modules: int('modules'),
    migrations: int('migrations'),
    reps: int('reps'),
    engines,
    pgUrl:
      values['pg-url'] ??
      process.env.MODKIT_BENCH_PG_URL ??
      process.env.MODKIT_TEST_PG_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    mysqlUrl:
      values['mysql-url'] ??
      process.env.MODKIT_BENCH_MYSQL_URL ??
      process.env.MODKIT_TEST_MYSQL_URL ??
      'mysql://root@127.0.0.1:3306/test',
    concurrency: values.concurrency
      .split(',')
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 1),
    modkitFormat: values['modkit-format'],
    scale: values.scale,
    scaleReps: int('scale-reps'),
    squawk: values.squawk,
    keep: values.keep,
    quick: values.quick,
    json: values.json,
  };
}
