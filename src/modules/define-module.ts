import type { ModuleDefinition } from './types.js';

/**
 * Identity helper that types a module file. A plain default-exported object works the same,
 * so module files need not import anything.
 *
 * @example
 * ```ts
 * // modules/users/module.ts
 * import { defineModule } from 'modkit';
 * export default defineModule({
 *   name: 'users',
 *   deps: ['core'],
 *   migrations: './migrations',
 *   async init(ctx) { ctx.log.info(`ready on ${ctx.instanceId}`); },
 * });
 * ```
 */
export function defineModule<C = unknown>(definition: ModuleDefinition<C>): ModuleDefinition<C> {
  return definition;
}
