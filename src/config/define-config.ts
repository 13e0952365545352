import type { ModkitConfig } from './types.js';

/**
 * Identity helper that types a config file. A plain default-exported object works the same.
 *
 * @example
 * ```ts
 * // modkit.config.ts
 * import { defineConfig } from 'modkit';
 * export default defineConfig({
 *   modules: ['modules/*\/module.ts'],
 *   database: { url: process.env.MODKIT_DATABASE_URL },
 * });
 * ```
 */
export function defineConfig<const T extends ModkitConfig>(config: T): T {
  return config;
}
