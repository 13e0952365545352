import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { checksumOf } from './checksum.js';
import { keepDiscoveredBytes } from './discovered-bytes.js';
import { classifyMigrationFile, compareIds, MIGRATION_ID_PATTERN } from './migration-files.js';
import type { InlineMigration, Migration } from './types.js';
import { hasSqlStatement, hasUnfinishedMarker } from './unfinished.js';
import { describeInvalidUtf8 } from './utf8.js';

export interface MigrationsResult {
  readonly migrations: readonly Migration[];
  /** Stubs not written yet (modules/unfinished.ts): never among `migrations`, never applied. */
  readonly unfinished: readonly Migration[];
  readonly migrationsDir?: string;
  /** Every problem found, each naming the file. */
  readonly problems: readonly string[];
}

/**
 * Lists a module's migrations and checksums them. The bytes of a small SQL file are kept for the
 * run that executes it (./discovered-bytes.ts): what runs is what was checksummed. A large file is
 * dropped and read again by the run that needs it, once (./body-cache.ts).
 */
export function loadMigrations(
  module: string,
  moduleFile: string,
  source: string | readonly InlineMigration[] | undefined,
): MigrationsResult {
  if (source === undefined) return { migrations: [], unfinished: [], problems: [] };
  if (typeof source !== 'string') return loadInline(module, moduleFile, source);
  const dir = resolve(dirname(moduleFile), source);
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => e.name);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (error as Error).message;
    return {
      migrations: [],
      unfinished: [],
      migrationsDir: dir,
      problems: [`module "${module}" (${moduleFile}): migrations directory ${dir} ${reason}`],
    };
  }
  const problems: string[] = [];
  const byId = new Map<
    string,
    { format: 'sql' | 'script'; file?: string; downFile?: string; files: string[]; duplicate?: boolean }
  >();
  for (const name of entries.sort()) {
    const parsed = classifyMigrationFile(name);
    if (parsed.kind === 'ignored') continue;
    const file = `${dir}${sep}${name}`; // dir is resolved already; path.join would cost ~3 µs a file
    if (parsed.kind === 'misnamed') {
      problems.push(`module "${module}": ${file}: ${parsed.reason}`);
      continue;
    }
    const entry = byId.get(parsed.id) ?? { format: parsed.kind, files: [] };
    byId.set(parsed.id, entry);
    entry.files.push(file);
    if (parsed.kind === 'sql' && parsed.direction === 'down') entry.downFile = file;
    else if (entry.file || entry.format !== parsed.kind) entry.duplicate = true;
    else entry.file = file;
  }
  const migrations: Migration[] = [];
  const unfinished: Migration[] = [];
  for (const [id, entry] of byId) {
    if (entry.duplicate) {
      problems.push(`module "${module}": duplicate migration id "${id}" in ${entry.files.join(', ')}`);
      continue;
    }
    const file = entry.file;
    if (!file) {
      problems.push(`module "${module}": ${entry.downFile} has no matching ${id}.up.sql`);
      continue;
    }
    const bytes = readMigration(file, module, entry.format, problems);
    if (bytes === undefined) continue;
    const migration: Migration = {
      id,
      module,
      format: entry.format,
      file,
      ...(entry.downFile ? { downFile: entry.downFile } : {}),
      checksum: checksumOf(bytes),
      size: bytes.length,
    };
    if (isUnfinished(entry.format, bytes)) unfinished.push(migration);
    else {
      if (entry.format === 'sql') keepDiscoveredBytes(migration, bytes);
      migrations.push(migration);
    }
  }
  migrations.sort((a, b) => compareIds(a.id, b.id));
  return { migrations, unfinished, migrationsDir: dir, problems };
}

function isUnfinished(format: 'sql' | 'script', bytes: Buffer): boolean {
  return format === 'sql' ? !hasSqlStatement(bytes) : hasUnfinishedMarker(bytes);
}

/** The file's bytes, or undefined (a problem recorded) when it cannot be read, is empty or is not UTF-8 SQL. */
function readMigration(file: string, module: string, format: 'sql' | 'script', problems: string[]): Buffer | undefined {
  let bytes: Buffer;
  try {
    // Synchronous on purpose: migration files are small, and 1,000 async reads go through the
    // 4-thread libuv pool at ~90 µs each, against ~15 µs read in place (measured: bench/).
    bytes = readFileSync(file);
  } catch (error) {
    problems.push(`module "${module}": cannot read migration ${file}: ${(error as Error).message}`);
    return undefined;
  }
  if (isBlank(bytes)) {
    problems.push(`module "${module}": migration ${file} is empty`);
    return undefined;
  }
  // SQL goes to the database as text: bytes that are not UTF-8 would arrive as U+FFFD. (Script
  // migrations are JavaScript that Node loads; their bytes are checksummed, not checked here.)
  const invalid = format === 'sql' ? describeInvalidUtf8(bytes, file) : undefined;
  if (invalid) {
    problems.push(`module "${module}": migration ${invalid}`);
    return undefined;
  }
  return bytes;
}

function loadInline(module: string, moduleFile: string, list: readonly InlineMigration[]): MigrationsResult {
  const problems: string[] = [];
  const seen = new Set<string>();
  const migrations: Migration[] = [];
  const unfinished: Migration[] = [];
  for (const [index, inline] of list.entries()) {
    const where = `module "${module}" (${moduleFile}), inline migration #${index + 1}`;
    if (!inline || typeof inline.id !== 'string' || !MIGRATION_ID_PATTERN.test(inline.id)) {
      problems.push(`${where}: "id" must look like 0001_name, got ${JSON.stringify(inline?.id)}`);
      continue;
    }
    if (typeof inline.up !== 'string' && typeof inline.up !== 'function') {
      problems.push(`${where} (${inline.id}): "up" must be SQL text or a function`);
      continue;
    }
    if (seen.has(inline.id)) {
      problems.push(`module "${module}" (${moduleFile}): duplicate migration id "${inline.id}"`);
      continue;
    }
    seen.add(inline.id);
    const format = typeof inline.up === 'string' ? 'sql' : 'script';
    const migration: Migration = { id: inline.id, module, format, checksum: checksumOf(String(inline.up)), inline };
    (typeof inline.up === 'string' && !hasSqlStatement(Buffer.from(inline.up)) ? unfinished : migrations).push(
      migration,
    );
  }
  migrations.sort((a, b) => compareIds(a.id, b.id));
  return { migrations, unfinished, problems };
}

/** True when the file holds only whitespace; scans bytes rather than decoding every file. */
function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09 && byte !== 0x0c && byte !== 0x0b)
      return false;
  }
  return true;
}
