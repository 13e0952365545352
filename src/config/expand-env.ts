/**
 * `${VAR}` references in database settings, expanded from the environment the way the Rust
 * runtime expands them in `modules.<name>.database.dsn`: `${NAME}` only (letters, digits and `_`,
 * not starting with a digit), no `$NAME`, no defaults. Unlike the Rust runtime, a variable that is
 * unset or empty is an error that names it, and so is a `${` that does not start a reference: a
 * URL holding a literal `${` is written with percent-encoding (`%24%7B`), as URLs are anyway.
 */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Expansion {
  /** The value with every reference replaced (references that failed are left as written). */
  readonly value: string;
  /** One sentence per reference that could not be expanded, naming the variable. */
  readonly problems: readonly string[];
}

/**
 * Expands `${NAME}` references in `value`. `where` names the setting in problems
 * (`"modulesConfig.audit.database.url"`).
 *
 * @example
 * expandEnv('postgres://app:${PW}@db/app', '"database.url"', { PW: 's3cret' }).value
 * // 'postgres://app:s3cret@db/app'
 */
export function expandEnv(value: string, where: string, env: NodeJS.ProcessEnv): Expansion {
  const problems: string[] = [];
  const expanded = value.replace(REFERENCE, (reference, name: string) => {
    const set = env[name];
    if (set === undefined || set === '') {
      problems.push(
        `${where} uses \${${name}}, but the environment variable ${name} is ${set === undefined ? 'not set' : 'empty'}`,
      );
      return reference;
    }
    return set;
  });
  // What is left of `${` after the valid references were replaced is malformed.
  for (const match of value.replace(REFERENCE, '').matchAll(/\$\{[^}]{0,40}\}?/g)) {
    problems.push(
      `${where} has "${match[0]}", which is not a \${NAME} reference (a name is letters, digits and _, not starting with a digit); ` +
        'write a literal "${" as %24%7B',
    );
  }
  return { value: expanded, problems };
}
