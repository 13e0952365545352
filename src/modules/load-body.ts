import { readFileSync } from 'node:fs';
import type { Knex } from './knex-types.js';
import { ModkitError } from '../errors.js';
import { readDirectives, splitSections } from './directives.js';
import { importFile } from './import-file.js';
import type { Migration } from './types.js';
import { decodeUtf8File } from './utf8.js';
import { takeDiscoveredBytes } from './discovered-bytes.js';
import { checksumOf } from './checksum.js';

export type Direction = 'up' | 'down';

/** A migration's body in one direction, ready to run. */
export type MigrationBody =
  | {
      readonly format: 'sql';
      readonly sql: string;
      readonly file?: string;
      readonly transactional: boolean;
      /** Marker-like comments modkit does not act on (reported, never silently ignored). */
      readonly unknownMarkers?: readonly { readonly line: number; readonly text: string }[];
      /** `-- modkit:lock-timeout` / `-- modkit:statement-timeout` of the file, in ms. */
      readonly lockTimeoutMs?: number;
      readonly statementTimeoutMs?: number;
    }
  | {
      readonly format: 'script';
      readonly run: (db: Knex) => unknown;
      readonly file?: string;
      readonly transactional: boolean;
    };

/**
 * Loads the body of a migration for one direction: an up file from the bytes discovery checksummed
 * (./discovered-bytes.ts), else read now.
 * Returns undefined when the migration has no body for that direction (no `down`). A `.sql` file
 * written for goose or dbmate holds both directions in sections: each direction gets its own.
 */
export async function loadBody(migration: Migration, direction: Direction): Promise<MigrationBody | undefined> {
  if (migration.inline) {
    const body = migration.inline[direction];
    if (body === undefined) return undefined;
    const transactional = migration.inline.transaction !== false;
    return typeof body === 'string'
      ? { format: 'sql', sql: body, transactional: transactional && !readDirectives(body).noTransaction }
      : { format: 'script', run: body as (db: Knex) => unknown, transactional };
  }
  if (migration.format === 'sql') return loadSql(migration, direction);
  const file = migration.file!;
  const namespace = await importFile(file, `migration ${migration.module}/${migration.id}`);
  const exports = (
    namespace.default && typeof namespace.default === 'object' ? namespace.default : namespace
  ) as Record<string, unknown>;
  if (typeof exports.up !== 'function') {
    throw new ModkitError(
      'usage',
      `migration ${migration.module}/${migration.id} (${file}) does not export an up(db) function`,
      {
        details: { module: migration.module, id: migration.id, file },
      },
    );
  }
  const run = exports[direction];
  if (run === undefined) return undefined;
  if (typeof run !== 'function') {
    throw new ModkitError(
      'usage',
      `migration ${migration.module}/${migration.id} (${file}): "${direction}" must be a function`,
      {
        details: { module: migration.module, id: migration.id, file },
      },
    );
  }
  return { format: 'script', run: run as (db: Knex) => unknown, file, transactional: exports.transaction !== false };
}

function loadSql(migration: Migration, direction: Direction): MigrationBody | undefined {
  if (direction === 'down' && migration.downFile) return sqlBody(readSql(migration.downFile), migration.downFile);
  const file = migration.file!;
  const text = readSql(file, takeDiscoveredBytes(migration) ?? unchangedSinceLoaded(migration, file));
  const sections = splitSections(text);
  if (!sections) return direction === 'up' ? sqlBody(text, file) : undefined;
  const part = direction === 'up' ? sections.up : sections.down;
  // goose's NO TRANSACTION applies to both sections; dbmate's `transaction:false` to its own.
  return part === undefined
    ? undefined
    : sqlBody(part, file, sections.tool === 'goose' && readDirectives(text).noTransaction);
}

function sqlBody(sql: string, file: string, noTransaction = false): MigrationBody {
  const directives = readDirectives(sql);
  return {
    format: 'sql',
    sql,
    file,
    transactional: !(noTransaction || directives.noTransaction),
    ...(directives.unknown.length > 0 ? { unknownMarkers: directives.unknown } : {}),
    ...(directives.lockTimeoutMs !== undefined ? { lockTimeoutMs: directives.lockTimeoutMs } : {}),
    ...(directives.statementTimeoutMs !== undefined ? { statementTimeoutMs: directives.statementTimeoutMs } : {}),
  };
}

/**
 * A file discovery did not keep (over 16 KB, or taken already), read again: refused unless it
 * still has the checksum it was loaded with, so that what runs is always what was checksummed
 * (and is recorded as such).
 */
function unchangedSinceLoaded(migration: Migration, file: string): Buffer {
  const bytes = readFileSync(file);
  const now = checksumOf(bytes);
  if (now === migration.checksum) return bytes;
  throw new ModkitError(
    'validation',
    `migration ${migration.module}/${migration.id} (${file}) changed while modkit was running: its checksum is ` +
      `${now}, not the ${migration.checksum} it had when the project was loaded. modkit did not run it; ` +
      'run the command again: it reads the file as it is then',
    { details: { module: migration.module, id: migration.id, file, loaded: migration.checksum, now } },
  );
}

/**
 * Synchronous on purpose: an async read costs four thread-pool hops (open, stat, read, close),
 * ~0.2 ms each, which for a thousand small migrations was most of the run.
 */
function readSql(file: string, bytes: Buffer = readFileSync(file)): string {
  return decodeUtf8File(bytes, file); // never U+FFFD in an identifier: refused, naming the byte
}
