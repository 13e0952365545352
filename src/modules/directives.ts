import { parseDuration } from '../util/duration.js';

/**
 * What a SQL migration file says about itself in comments: modkit's own markers and those of the
 * tools people migrate from (postgres-migrations, goose, dbmate, sqlx, graphile-migrate, Atlas).
 * Pure text work; the one place that knows these markers.
 *
 * Markers are read from the file's leading comment block: everything before the first SQL
 * statement (blank lines, `--` lines and `/* *\/` blocks). A marker further down is a comment
 * like any other — except goose's and dbmate's up/down section markers, which split the file.
 */

/** A marker that makes a migration run outside a transaction, and the tool it comes from. */
const NO_TRANSACTION_MARKERS: readonly { readonly pattern: RegExp; readonly tool: string }[] = [
  { pattern: /^--\s*modkit\s*:\s*no-transaction\s*$/i, tool: 'modkit' },
  { pattern: /^--\s*postgres-migrations\s+disable-transaction\s*$/i, tool: 'postgres-migrations' },
  { pattern: /^--\s*\+goose\s+no\s+transaction\s*$/i, tool: 'goose' },
  { pattern: /^--\s*migrate:(up|down)\b.*\btransaction\s*:\s*false\b/i, tool: 'dbmate' },
  { pattern: /^--\s*no-transaction\s*$/i, tool: 'sqlx' },
  { pattern: /^--!\s*no-transaction\s*$/i, tool: 'graphile-migrate' },
  { pattern: /^--\s*atlas:txmode\s+none\s*$/i, tool: 'Atlas' },
];

/**
 * Comment lines that look like another tool's (or modkit's) instructions. Those modkit does not
 * act on are reported by `validate` and `migrate`, never silently ignored.
 */
const TOOL_COMMENT = /^--\s*(?:modkit\s*:|\+goose\b|migrate:|atlas:|flyway:)|^--!/i;

/** Markers modkit understands besides the no-transaction ones (section markers, lint comments). */
const UNDERSTOOD: readonly RegExp[] = [
  /^--\s*\+goose\s+(up|down|statementbegin|statementend)\s*$/i,
  /^--\s*migrate:(up|down)(\s+transaction\s*:\s*(true|false))?\s*$/i,
  /^--\s*modkit\s*:\s*lint-ignore\b/i,
];

/** `-- modkit:lock-timeout 30s` and `-- modkit:statement-timeout 5m` (the one duration syntax: util/duration.ts). */
const TIMEOUT = /^--\s*modkit\s*:\s*(lock|statement)-timeout\s+(\S+)\s*$/i;

export interface FileDirectives {
  /** True when a no-transaction marker of any known tool is present. */
  readonly noTransaction: boolean;
  /** Which tool's marker said so, e.g. `goose`. */
  readonly noTransactionTool?: string;
  /** Marker-like comments modkit does not act on, with their 1-based line. */
  readonly unknown: readonly { readonly line: number; readonly text: string }[];
  /** `-- modkit:lock-timeout 30s`: this file's database lock timeout, in ms (0 = none). */
  readonly lockTimeoutMs?: number;
  /** `-- modkit:statement-timeout 5m`: this file's statement timeout, in ms (0 = none). */
  readonly statementTimeoutMs?: number;
}

/**
 * Reads the markers of a SQL migration file.
 *
 * @example
 * readDirectives('-- add an index\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY i ON t (x);')
 * // → { noTransaction: true, noTransactionTool: 'goose', unknown: [] }
 */
export function readDirectives(sql: string): FileDirectives {
  let noTransactionTool: string | undefined;
  const unknown: { line: number; text: string }[] = [];
  const timeouts: { lockTimeoutMs?: number; statementTimeoutMs?: number } = {};
  for (const { line, text } of markerLines(sql)) {
    const marker = NO_TRANSACTION_MARKERS.find((m) => m.pattern.test(text));
    if (marker) {
      noTransactionTool ??= marker.tool;
      continue;
    }
    const timeout = TIMEOUT.exec(text);
    const ms = timeout ? parseDuration(timeout[2]!) : undefined;
    if (timeout && ms !== undefined) {
      timeouts[timeout[1]!.toLowerCase() === 'lock' ? 'lockTimeoutMs' : 'statementTimeoutMs'] = ms;
      continue;
    }
    if (TOOL_COMMENT.test(text) && !UNDERSTOOD.some((u) => u.test(text))) unknown.push({ line, text });
  }
  return {
    noTransaction: noTransactionTool !== undefined,
    ...(noTransactionTool ? { noTransactionTool } : {}),
    unknown,
    ...timeouts,
  };
}

/**
 * True when the file's leading comments hold a no-transaction marker (modkit's
 * `-- modkit:no-transaction`, or another tool's: see docs/project.md, "Files other tools wrote").
 *
 * @example
 * hasNoTransactionDirective('-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);') // → true
 */
export function hasNoTransactionDirective(sql: string): boolean {
  return readDirectives(sql).noTransaction;
}

/**
 * The comment lines a marker may sit on: the leading comment block, plus — in a file split into
 * goose/dbmate sections — the comment lines right after each section marker.
 */
function markerLines(sql: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const body = sql.replace(/^\uFEFF/, '');
  // Without section markers nothing past the leading comments counts: the scan stops there
  // (a 50 MB data load is not split into half a million lines).
  const sections = MAY_HAVE_SECTIONS.test(body);
  let inBlock = false;
  let leading = true;
  for (let index = 0, start = 0; start <= body.length && (leading || sections); index++) {
    const end = body.indexOf('\n', start);
    const text = body.slice(start, end === -1 ? undefined : end).trim();
    start = end === -1 ? body.length + 1 : end + 1;
    if (inBlock) {
      if (text.includes('*/')) inBlock = false;
      continue;
    }
    if (text === '') continue;
    if (text.startsWith('/*')) {
      inBlock = !text.includes('*/', 2);
      continue;
    }
    if (text.startsWith('--')) {
      if (leading || SECTION.test(text)) out.push({ line: index + 1, text });
      if (SECTION.test(text)) leading = true; // markers may follow a section marker too
      continue;
    }
    leading = false;
  }
  return out;
}

/** goose's `-- +goose Up/Down` and dbmate's `-- migrate:up/down` lines. */
const SECTION = /^--\s*(?:\+goose\s+(up|down)|migrate:(up|down))\b/i;
/** A cheap test over the whole text: false means no line is a {@link SECTION} marker. */
const MAY_HAVE_SECTIONS = /^\s*--\s*(?:\+goose\s+(?:up|down)|migrate:(?:up|down))\b/im;

/** The up and down parts of a file written for goose or dbmate (one file, two sections). */
export interface FileSections {
  readonly tool: 'goose' | 'dbmate';
  /** The up section, at its original line numbers (the file's lines before it are kept). */
  readonly up: string;
  /** The down section, padded with blank lines so that its lines keep their numbers in the file. */
  readonly down?: string;
}

/**
 * Splits a goose (`-- +goose Up` … `-- +goose Down` …) or dbmate (`-- migrate:up` …
 * `-- migrate:down` …) file into its sections; undefined for an ordinary SQL file. Each part keeps
 * the line numbers it has in the file, so errors still name the right line.
 *
 * @example
 * splitSections('-- +goose Up\nCREATE TABLE t (x int);\n-- +goose Down\nDROP TABLE t;\n')?.down
 * // → '\n\n\nDROP TABLE t;\n'
 */
export function splitSections(sql: string): FileSections | undefined {
  if (!MAY_HAVE_SECTIONS.test(sql)) return undefined;
  const lines = sql.split('\n');
  let upAt = -1;
  let downAt = -1;
  let tool: FileSections['tool'] | undefined;
  for (const [index, raw] of lines.entries()) {
    const match = SECTION.exec(raw.trim());
    if (!match) continue;
    tool ??= match[1] ? 'goose' : 'dbmate';
    const direction = (match[1] ?? match[2])!.toLowerCase();
    if (direction === 'up' && upAt === -1) upAt = index;
    if (direction === 'down' && downAt === -1) downAt = index;
  }
  if (!tool || upAt === -1) return undefined;
  // A section runs from its marker to the other section's marker (whichever order they come in).
  const section = (from: number) => {
    const to = [upAt, downAt].find((at) => at > from) ?? lines.length;
    return `${'\n'.repeat(from)}${lines.slice(from, to).join('\n')}`;
  };
  return { tool, up: section(upAt), ...(downAt === -1 ? {} : { down: section(downAt) }) };
}
