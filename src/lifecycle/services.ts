import { ModkitError } from '../errors.js';
import type { LoadedModule, ModuleServices, ServiceToken } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { didYouMean } from '../util/did-you-mean.js';
import { selectWithDependencies } from '../graph/module-graph.js';

/**
 * A typed key for `ctx.services` (the Rust runtime's ClientHub keys clients by interface type;
 * TypeScript erases types, so the key is a name and the type rides along).
 *
 * @example
 * ```ts
 * import { defineService } from 'modkit';
 * export const Mailer = defineService<{ send(to: string, text: string): Promise<void> }>('mailer');
 * // in the provider's init:   ctx.services.provide(Mailer, smtpMailer);
 * // in a dependent module:    const mailer = ctx.services.get(Mailer); // typed
 * ```
 */
export function defineService<T>(name: string): ServiceToken<T> {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError('defineService(name): the name must be a non-empty string');
  }
  return Object.freeze({ name });
}

/**
 * The services of one run: who provided which key, and who may get it. The graph is the
 * permission: a module gets a key when it provided it or depends on its provider, directly or
 * through other modules. Keys are provided during `preInit` (system modules) and `init`; once
 * the start phase begins the set is sealed.
 */
export class ServiceRegistry {
  private readonly entries = new Map<string, { readonly provider: string; readonly value: unknown }>();
  private readonly reachable = new Map<string, ReadonlySet<string>>();
  private sealed = false;

  constructor(private readonly project: Project) {}

  /** `module`'s view: `provide` records it as the provider, `get` checks its dependencies. */
  forModule(module: LoadedModule): ModuleServices {
    return Object.freeze({
      provide: (key: string | ServiceToken<unknown>, value: unknown) => this.provide(module, nameOf(key), value),
      get: (key: string | ServiceToken<unknown>) => this.get(module, nameOf(key)),
    }) as ModuleServices;
  }

  /** No more `provide` from now on (the start phase begins). */
  seal(): void {
    this.sealed = true;
  }

  /** The keys provided so far, with their providers, in the order provided. */
  list(): { readonly key: string; readonly provider: string }[] {
    return [...this.entries].map(([key, { provider }]) => ({ key, provider }));
  }

  private provide(module: LoadedModule, key: string, value: unknown): void {
    if (this.sealed) {
      const when = 'services are provided in init (or preInit), before any module starts';
      throw this.error(module, key, `cannot be provided by module "${module.name}" now: ${when}`);
    }
    const existing = this.entries.get(key);
    if (existing) {
      const who = existing.provider === module.name ? 'this module' : `module "${existing.provider}"`;
      const advice = 'A key has one provider; pick another key for the second one';
      throw this.error(module, key, `is provided twice: ${who} already provided it. ${advice}`);
    }
    this.entries.set(key, { provider: module.name, value });
  }

  private get(module: LoadedModule, key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) {
      const keys = [...this.entries.keys()];
      const listed = this.list().map((e) => `"${e.key}" (by ${e.provider})`);
      const provided = keys.length === 0 ? 'no service is provided yet' : `provided: ${listed.join(', ')}`;
      throw this.error(
        module,
        key,
        `was requested by module "${module.name}", but no module provided it${didYouMean(key, keys)} (${provided}). ` +
          'A provider calls ctx.services.provide(key, value) in its init, and runs before the modules that depend ' +
          'on it',
      );
    }
    if (!this.dependenciesOf(module.name).has(entry.provider)) {
      throw this.error(
        module,
        key,
        `is provided by module "${entry.provider}", which module "${module.name}" does not depend on: ` +
          `add "${entry.provider}" to the deps of "${module.name}" (${module.file}). ` +
          'The dependency orders the provider first and is the permission to use what it provides',
      );
    }
    return entry.value;
  }

  /** `name` and every module it depends on, directly or transitively. */
  private dependenciesOf(name: string): ReadonlySet<string> {
    let found = this.reachable.get(name);
    if (!found) this.reachable.set(name, (found = new Set(selectWithDependencies(this.project.nodes, [name]))));
    return found;
  }

  private error(module: LoadedModule, key: string, problem: string): ModkitError {
    const details = { service: key, module: module.name, file: module.file };
    return new ModkitError('usage', `service "${key}" ${problem}.`, { details });
  }
}

function nameOf(key: string | ServiceToken<unknown>): string {
  if (typeof key === 'string' && key !== '') return key;
  if (key !== null && typeof key === 'object' && typeof key.name === 'string') return key.name;
  throw new TypeError('a service key is a non-empty string or a token from defineService<T>(name)');
}
