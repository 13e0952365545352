// Checks one `npm test` run of .ci/run from its vitest JSON report.
//   node .ci/check-run.mjs REPORT LABEL PG_SOURCE MYSQL_SOURCE NODE_MAJOR BETTER_SQLITE3_MAJOR
// Prints "LABEL: N passed, M failed" and every problem on stderr, "N M" on stdout (for the total);
// exits 1 when the run is not green: a failed test or test file, a harness that did not pass, or
// a run that did not run where it meant to (its engines, their sources, Node, the SQLite driver),
// as the engines harness recorded in the report.
import { readFileSync } from 'node:fs';

const [file, label, pgSource, mysqlSource, nodeMajor, driverMajor] = process.argv.slice(2);
const HARNESSES = {
  'test/integration/pg-harness.test.ts': 'PostgreSQL',
  'test/integration/mysql-harness.test.ts': 'MariaDB',
  'test/integration/engines-harness.test.ts': 'engines',
};
const problems = [];

let r = { numPassedTests: 0, numFailedTests: 0, testResults: [], success: false };
try {
  r = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  problems.push(`no readable ${file}: vitest did not get far enough to report`);
}
const testsOf = (name) =>
  r.testResults.filter((f) => f.name.replaceAll('\\', '/').endsWith(name)).flatMap((f) => f.assertionResults);
for (const [name, what] of Object.entries(HARNESSES)) {
  const tests = testsOf(name);
  if (tests.length === 0 || tests.some((t) => t.status !== 'passed')) {
    problems.push(`the ${what} harness (${name}) did not pass: its tests failed or did not run`);
  }
}

const meta = testsOf('test/integration/engines-harness.test.ts')[0]?.meta;
if (meta?.engines) {
  const expect = (what, actual, wanted) => {
    if (actual !== wanted) problems.push(`${what} was ${actual ?? 'missing'}, this run wants ${wanted}`);
  };
  expect('PostgreSQL source', meta.engines.postgres?.source, pgSource);
  expect('MariaDB source', meta.engines.mysql?.source, mysqlSource);
  expect('SQLite', meta.engines.sqlite ? 'ran' : undefined, 'ran');
  expect('Node major version', meta.node?.match(/^v(\d+)\./)?.[1], nodeMajor);
  expect('better-sqlite3 major version', meta.betterSqlite3?.split('.')[0], driverMajor);
  const where = Object.entries(meta.engines).map(([engine, e]) => `${engine} from ${e.source}`);
  console.error(`${label}: Node ${meta.node}, ${where.join(', ')}`);
} else {
  problems.push('the engines harness recorded no engines: where this run ran is unknown');
}

// Not only npm's exit code: a failed test, or a test file that failed to run (a throwing
// beforeAll or import counts in no test), must fail CI even if something resets that code.
if (!(r.success === true && r.numFailedTests === 0 && (r.numFailedTestSuites ?? 0) === 0)) {
  problems.push('vitest reported failures (see above)');
}
for (const problem of problems) console.error(`${label}: ${problem}`);
console.error(`${label}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
console.log(`${r.numPassedTests} ${r.numFailedTests}`);
process.exit(problems.length === 0 ? 0 : 1);
