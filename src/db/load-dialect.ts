import type { Engine } from '../config/types.js';
import type { Dialect } from './dialects/types.js';

/**
 * The dialect for an engine. Imported lazily so that commands which need no database
 * (`--help`, `graph`, `new`, `validate --offline`) never load a driver.
 */
export async function loadDialect(engine: Engine): Promise<Dialect> {
  if (engine === 'postgres') return withoutLazyResponse(async () => (await import('./dialects/postgres.js')).postgresDialect);
  return (await import('./dialects/sqlite.js')).sqliteDialect;
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
