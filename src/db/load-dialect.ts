import type { Engine } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { Dialect } from './dialects/types.js';

const DRIVERS: Readonly<Record<Engine, { readonly engine: string; readonly driver: string }>> = {
  postgres: { engine: 'PostgreSQL', driver: 'pg' },
  sqlite: { engine: 'SQLite', driver: 'better-sqlite3' },
};

/**
 * The dialect for an engine. Imported lazily so that commands which need no database
 * (`--help`, `graph`, `new`, `validate --offline`) never load a driver. The drivers are optional
 * dependencies: one that is not installed is a usage error that says how to install it.
 */
export async function loadDialect(engine: Engine): Promise<Dialect> {
  try {
    if (engine === 'postgres') return await withoutLazyResponse(async () => (await import('./dialects/postgres.js')).postgresDialect);
    return (await import('./dialects/sqlite.js')).sqliteDialect;
  } catch (error) {
    const { engine: name, driver } = DRIVERS[engine];
    const { code, message } = error as NodeJS.ErrnoException;
    if (code !== 'MODULE_NOT_FOUND' || !message.includes(`'${driver}'`)) throw error;
    throw new UsageError(`the ${name} driver "${driver}" is not installed: run \`npm install ${driver}\` in your project`, { cause: error });
  }
}

/**
 * pg probes for Cloudflare Workers when it loads, with `typeof Response === 'function'`. On
 * Node 20 that first touch of `Response` loads and compiles undici (fetch), ~10 ms of every
 * PostgreSQL run, for nothing. Hide the lazy global while pg loads, then put the very same
 * property back, so `Response` (and fetch) work as before for everyone else.
 */
async function withoutLazyResponse<T>(load: () => Promise<T>): Promise<T> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (!descriptor?.configurable || !descriptor.get) return load(); // already loaded, or not lazy
  Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'Response', descriptor);
  }
}
