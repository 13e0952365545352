/**
 * `import()` for everything modkit loads at run time: user files (config, modules, migrations),
 * knex and jiti.
 *
 * The CLI runs its bundle through `vm.Script` with a V8 code cache (bin/modkit.js), and code
 * compiled that way has no `import()` of its own: Node 20 only offers one behind an experimental
 * flag. So the entry point, a real ES module, lends its own `import` through `setDynamicImport`.
 * Library users never call it and get the native one. Specifiers are absolute file URLs or bare
 * package names, which resolve the same from bin/ as from dist/.
 */
export type DynamicImport = (specifier: string) => Promise<unknown>;

let current: DynamicImport = (specifier) => import(specifier);

export function dynamicImport<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return current(specifier) as Promise<T>;
}

export function setDynamicImport(importer: DynamicImport): void {
  current = importer;
}
