import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awkwardUrls } from '../support/awkward-urls.js';
import type { FixtureProject } from '../support/project-fixture.js';
import {
  databaseForRole,
  expectNoLeak,
  OUTPUT_MODES,
  passwordPgSends,
  pgConnects,
  redactionProject,
  runWithUrl,
  serverHostPort,
  URL_COMMANDS,
} from '../support/redaction-runner.js';

/**
 * Issue 11, item 2, with a database that answers: each URL of the awkward corpus that pg reads as
 * meant logs in as a role whose password is exactly that URL's password (so it holds on a server
 * that checks passwords as well as on one that trusts), then goes through every command that
 * prints a URL, in human and `--json --verbose` output. No fragment of the password may appear.
 */
let project: FixtureProject;
beforeAll(async () => {
  project = await redactionProject();
});
afterAll(async () => {
  await project?.cleanup();
});

const corpus = awkwardUrls('HOST', 'ROLE', 'DB').filter((entry) => entry.kind === 'reachable');

describe.concurrent('password redaction, database reachable', () => {
  it.each(corpus.map((entry, index) => [entry.name, index] as const))(
    '%s',
    async (_name, index) => {
      const password = passwordPgSends(corpus[index]!.url);
      const { role, database, drop } = await databaseForRole(password);
      try {
        const entry = awkwardUrls(serverHostPort(), role, database.name).filter((e) => e.kind === 'reachable')[index]!;
        const connects = await pgConnects(entry.url);
        // A URL with a password must log in; one without depends on the server's auth method.
        if (entry.fragments.length > 0) expect(connects, `pg could not log in with ${entry.name}`).toBe(true);
        const channel = index % 2 === 0 ? 'flag' : 'env';
        // Mode by mode, the whole cycle: migrate applies, rollback reverts, run applies again.
        for (const mode of OUTPUT_MODES) {
          for (const args of URL_COMMANDS) {
            const run = await runWithUrl(project, entry.url, [...args, ...mode], channel);
            expectNoLeak(entry, run);
            expect(run.code, `${run.args.join(' ')}\n${run.stderr}`).toBe(connects ? 0 : 5);
            if (connects && mode.length === 0 && args[0] !== 'validate')
              expect(run.stdout).toMatch(/^Using PostgreSQL postgres(ql)?:\/\/modkit_redact_/);
            if (mode.includes('--json')) expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: run.code });
          }
        }
      } finally {
        await drop();
      }
    },
    600_000,
  );
});
