import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awkwardUrls } from '../support/awkward-urls.js';
import type { FixtureProject } from '../support/project-fixture.js';
import {
  expectNoLeak,
  OUTPUT_MODES,
  redactionProject,
  runWithUrl,
  serverHostPort,
  URL_COMMANDS,
} from '../support/redaction-runner.js';

/**
 * Issue 11, item 2, when no session opens: URLs pg cannot parse (a raw / ? # in the password),
 * URLs pg reads differently than meant and whose pieces it echoes in its errors (`database
 * "Ss7x…@elsewhere/db" does not exist`), a port nothing listens on, and URLs modkit refuses itself
 * (unknown scheme, no scheme, a libpq key=value string). Every command that prints a
 * URL, human and `--json --verbose`: no fragment of the password may appear.
 */
let project: FixtureProject;
beforeAll(async () => {
  project = await redactionProject();
});
afterAll(async () => {
  await project?.cleanup();
});

const corpus = () =>
  awkwardUrls(serverHostPort(), 'modkit_redact_nobody', 'modkit_redact_nodb').filter(
    (entry) => entry.kind !== 'reachable',
  );

describe.concurrent('password redaction, no session', () => {
  it.each(
    awkwardUrls('HOST', 'ROLE', 'DB').flatMap((entry, index) =>
      entry.kind === 'reachable' ? [] : [[entry.name, index] as const],
    ),
  )(
    '%s',
    async (name, index) => {
      const entry = awkwardUrls(serverHostPort(), 'modkit_redact_nobody', 'modkit_redact_nodb')[index]!;
      expect(entry.name).toBe(name);
      const channel = index % 2 === 0 ? 'flag' : 'env';
      for (const mode of OUTPUT_MODES) {
        for (const args of URL_COMMANDS) {
          const run = await runWithUrl(project, entry.url, [...args, ...mode], channel);
          expectNoLeak(entry, run);
          // validate too: it checks the files, then exits 5 for the database it could not reach (issue 19 §4).
          const expected = entry.kind === 'refused' ? 2 : 5;
          expect(run.code, `${run.args.join(' ')}\n${run.stderr}`).toBe(expected);
          if (entry.kind === 'unreachable') expect(run.stdout + run.stderr).toContain('***');
          if (mode.includes('--json')) expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: expected });
        }
      }
    },
    600_000,
  );
  it('covers every kind of URL', () => {
    expect(new Set(corpus().map((e) => e.kind))).toEqual(new Set(['unreachable', 'refused']));
  });
});
