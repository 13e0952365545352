/**
 * The lint's fast path for files of plain CREATE TABLEs (src/lint/plain-sql/create-table.ts) must
 * give exactly what PostgreSQL's parser gives — every node, every offset — for every text it takes,
 * and take no text the parser refuses. Checked on generated files, on mutations of them (tokens
 * dropped, doubled, swapped, replaced by a keyword), on hand-written near misses, and on its
 * keyword list against the one compiled into libpg-query.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPostgresParser, type PostgresParser } from '../../src/lint/postgres-parser.js';
import { parsePlainCreateTables } from '../../src/lint/plain-sql/create-table.js';
import { KEYWORDS, NAME_KEYWORDS } from '../../src/lint/plain-sql/keywords.js';

let parser: PostgresParser;
beforeAll(async () => {
  parser = await loadPostgresParser();
});

/** Accepted ⇒ identical to the parser; returns whether it was accepted. */
function agrees(sql: string): boolean {
  const plain = parsePlainCreateTables(sql);
  if (plain === undefined) return false;
  expect(parser.parse(sql), sql).toEqual(plain);
  return true;
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'id',
  'users',
  'Created_At',
  'x1',
  '_tmp',
  'name',
  'text',
  'key',
  'value',
  'type',
  'data',
  'zone',
  'year',
];
const TYPES = [
  'INTEGER',
  'int',
  'BIGINT',
  'smallint',
  'text',
  'VARCHAR(100)',
  'varchar',
  'character varying(20)',
  'numeric(10,2)',
  'NUMERIC(8)',
  'decimal',
  'boolean',
  'bool',
  'real',
  'float',
  'double precision',
  'timestamp',
  'timestamp with time zone',
  'TIMESTAMP WITHOUT TIME ZONE',
  'timestamptz',
  'uuid',
  'jsonb',
  'date',
  'bytea',
  'int8',
  'serial',
  'bigserial',
  'name',
  'text[]',
  'int [ ]',
  'varchar(0)',
  'UUID',
  'JsonB',
  'TEXT [] ',
];
const CONSTRAINTS = [
  'NOT NULL',
  'null',
  'PRIMARY KEY',
  'unique',
  "DEFAULT 'x'",
  "default ''",
  'DEFAULT 0',
  'default 42',
  'DEFAULT true',
  'default FALSE',
];
const GAPS = [' ', '\n  ', '\t', ' -- a comment, with ünïcödé — and 😀\n', ' /* block /* nested */ ✓ */ ', '\r\n'];

function generate(next: () => number, comments = true): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const gap = () => (next() < 0.7 || !comments ? ' ' : pick(GAPS));
  const statements: string[] = [];
  const count = 1 + Math.floor(next() * 3);
  for (let s = 0; s < count; s++) {
    const name = next() < 0.2 ? `${pick(NAMES)}.${pick(NAMES)}` : pick(NAMES);
    const elements: string[] = [];
    const columns = 1 + Math.floor(next() * 4);
    for (let c = 0; c < columns; c++) {
      const constraints = Array.from({ length: Math.floor(next() * 3) }, () => pick(CONSTRAINTS));
      elements.push([pick(NAMES), pick(TYPES), ...constraints].join(gap()));
    }
    if (next() < 0.3) elements.push(`${pick(['PRIMARY KEY', 'UNIQUE'])}${gap()}(${pick(NAMES)}, ${pick(NAMES)})`);
    const ifNotExists = next() < 0.2 ? 'IF NOT EXISTS ' : '';
    statements.push(
      `${pick(['CREATE TABLE', 'create table', 'Create Table'])} ${ifNotExists}${name}${gap()}(${elements.join(`,${gap()}`)})`,
    );
  }
  const lead = comments && next() < 0.5 ? '-- modkit: a leading comment\n' : '';
  const tail = next() < 0.5 ? ';\n' : comments && next() < 0.5 ? ';\n-- trailing\n' : '';
  return lead + statements.join(`;${gap()}`) + tail;
}

describe('plain CREATE TABLE files', () => {
  it('parses the bench workload exactly as the parser does', () => {
    const sql =
      'CREATE TABLE m000_t1 (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(100) NOT NULL,\n  created_at BIGINT\n);\n';
    expect(agrees(sql)).toBe(true);
  });

  it('agrees with the parser on 2,000 generated files', { timeout: 60_000 }, () => {
    const next = random(25);
    let accepted = 0;
    for (let k = 0; k < 2000; k++) if (agrees(generate(next))) accepted++;
    // Nearly all are plain; the few refused contain spellings it leaves to the parser.
    expect(accepted).toBeGreaterThan(1500);
  });

  it('takes no mutation the parser refuses, and agrees on every one it takes', { timeout: 60_000 }, () => {
    const next = random(7);
    const noise = [
      '(',
      ')',
      ',',
      ';',
      '.',
      'not',
      'null',
      'default',
      'table',
      'create',
      'user',
      'check',
      "'s'",
      '1',
      '[]',
    ];
    let accepted = 0;
    for (let k = 0; k < 3000; k++) {
      const tokens = generate(next, false)
        .split(/(\s+|[(),;.])/)
        .filter((t) => t.trim() !== '');
      const at = Math.floor(next() * tokens.length);
      const choice = next();
      if (choice < 0.25) tokens.splice(at, 1);
      else if (choice < 0.5) tokens.splice(at, 0, tokens[at]!);
      else if (choice < 0.75) tokens.splice(at, 0, noise[Math.floor(next() * noise.length)]!);
      else if (at + 1 < tokens.length) [tokens[at], tokens[at + 1]] = [tokens[at + 1]!, tokens[at]!];
      if (agrees(tokens.join(next() < 0.5 ? ' ' : '\n'))) accepted++;
    }
    // Most mutations are not valid SQL (both refuse them); some still are (a doubled NOT NULL, a swap).
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves to the parser what it does not know for certain', () => {
    const refused = [
      'CREATE TABLE user (id int)', // a reserved word
      'CREATE TABLE t (id int) ;;', // an empty statement
      'CREATE TABLE t (id int CHECK (id > 0))',
      'CREATE TABLE t (id int REFERENCES u)',
      'CREATE TABLE t (id int DEFAULT now())',
      'CREATE TABLE t (id int DEFAULT -1)',
      'CREATE TABLE t (id int DEFAULT 1.5)',
      "CREATE TABLE t (s text DEFAULT E'x')",
      "CREATE TABLE t (s text DEFAULT 'it''s')",
      "CREATE TABLE t (s text DEFAULT 'a'\n'b')",
      "CREATE TABLE t (s text DEFAULT 'é')",
      'CREATE TABLE t (id int) PARTITION BY RANGE (id)',
      'CREATE TABLE t (LIKE u)',
      'CREATE TABLE "T" (id int)',
      'CREATE TEMP TABLE t (id int)',
      'CREATE UNLOGGED TABLE t (id int)',
      'CREATE TABLE t (t timestamp(3))',
      'CREATE TABLE t (c char(2))',
      'CREATE TABLE t (c json)',
      'CREATE TABLE t ()',
      'CREATE TABLE a.b.c (id int)',
      'CREATE TABLE t (id int); CREATE INDEX i ON t (id)',
      'CREATE TABLE t (id int) /* unterminated',
      `CREATE TABLE ${'x'.repeat(64)} (id int)`,
      'CREATE TABLE t (id int DEFAULT 99999999999)',
      'CREATE TABLE t (id int DEFAULT 0x1F)',
      'CREATE TABLE tä (id int)',
      '-- nothing but a comment',
      '',
    ];
    for (const sql of refused) expect(parsePlainCreateTables(sql), sql).toBeUndefined();
  });

  it('takes each unreserved keyword it allows as a table, column and type name', () => {
    for (const word of NAME_KEYWORDS) {
      expect(agrees(`create table ${word} (${word} ${word} not null, x int default 1)`), word).toBe(true);
      expect(agrees(`create table ${word}.${word} (${word} text)`), word).toBe(true);
    }
  });

  it('knows every keyword of the parser libpg-query compiles in', () => {
    // PostgreSQL's ScanKeywords: the keywords as one NUL-separated, sorted run of strings.
    const wasm = join(dirname(createRequire(import.meta.url).resolve('libpg-query')), 'libpg-query.wasm');
    const bytes = readFileSync(wasm);
    let at = bytes.indexOf(Buffer.from('abort\0absent\0'));
    expect(at).toBeGreaterThan(0);
    const compiled: string[] = [];
    for (;;) {
      const end = bytes.indexOf(0, at);
      const word = bytes.subarray(at, end).toString('latin1');
      if (!/^[a-z_]+$/.test(word)) break;
      compiled.push(word);
      at = end + 1;
    }
    expect([...KEYWORDS]).toEqual(compiled);
  });
});
