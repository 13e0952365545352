/**
 * `import()` for everything modkit loads at run time: user files (config, modules, migrations),
 * knex and jiti. A plain function, so that code bundled into the CommonJS CLI keeps a native
 * `import()` (esbuild leaves one whose specifier it cannot see). Specifiers are absolute file URLs
 * or bare package names, which resolve the same from the bundle as from dist/.
 */
export function dynamicImport<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
