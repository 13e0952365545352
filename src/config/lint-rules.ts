/**
 * The lint rules of `modkit lint` (docs/lint.md): their stable names and default
 * severities. The one list the config validation, the ignore comments and the reporters read:
 * here in config, below lint, because the config checks `lint.rules` when it loads.
 */

/**
 * How much a finding matters: `error` fails `lint`/`validate` and refuses `migrate`; `warn` is
 * printed; `info` is shown by `lint` and only counted by `migrate`; `off` drops the rule.
 */
export type Severity = 'error' | 'warn' | 'info' | 'off';

export const SEVERITIES: readonly Severity[] = ['error', 'warn', 'info', 'off'];

/** What `migrate` does with the lint of its pending files (`lint.onMigrate`). */
export type OnMigrate = 'error' | 'warn' | 'off';

export const ON_MIGRATE: readonly OnMigrate[] = ['error', 'warn', 'off'];

/** Each rule's name (stable: config keys and ignore comments use it) and its default severity. */
export const RULES = {
  syntax: 'error',
  'needs-no-transaction': 'error',
  /** COMMIT, BEGIN … in a file that runs in a transaction (lint/transaction-control.ts): migrate refuses it anyway. */
  'transaction-control': 'error',
  'index-not-concurrent': 'warn',
  'constraint-builds-index': 'warn',
  'add-column-not-null': 'warn',
  'table-rewrite': 'warn',
  'constraint-validates-table': 'warn',
  'blocking-lock': 'warn',
  destructive: 'warn',
  /** What modkit could not look into: EXECUTE of a computed string, a statement too large to parse. */
  'not-analysed': 'info',
  /** A `-- modkit:lint-ignore` comment that silences nothing: no reason given, or an unknown rule. */
  'lint-ignore': 'warn',
} as const satisfies Readonly<Record<string, Severity>>;

export type RuleName = keyof typeof RULES;

export const RULE_NAMES = Object.keys(RULES) as readonly RuleName[];

export function isRuleName(name: string): name is RuleName {
  return Object.hasOwn(RULES, name);
}

/** The severity of every rule: the defaults, overridden by `lint.rules` of the config. */
export type Severities = Readonly<Record<RuleName, Severity>>;

export function severitiesOf(overrides: Readonly<Partial<Record<RuleName, Severity>>> = {}): Severities {
  return { ...RULES, ...overrides };
}
