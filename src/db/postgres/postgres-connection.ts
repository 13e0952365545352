import pg from 'pg';
import type { DatabaseTarget } from '../../config/types.js';
import type { SqlRunner, Row } from '../history-store.js';
import { quoteLiteral } from './quote.js';

/** How long to wait for a PostgreSQL connection before calling the server unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** `application_name` of modkit's connections, as seen in pg_stat_activity. */
export const APPLICATION_NAMES = {
  migration: 'modkit',
  lock: 'modkit-lock',
  runtime: 'modkit-runtime',
  cancel: 'modkit-cancel',
} as const;

/** One pinned pg client: the SqlRunner of a PostgreSQL session. */
export class PostgresConnection implements SqlRunner {
  constructor(readonly client: pg.Client) {}

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    let n = 0;
    const text = params.length === 0 ? sql : sql.replace(/\?/g, () => `$${++n}`);
    const result = await this.client.query(text, params as unknown[]);
    return result.rows as T[];
  }

  /**
   * Runs a script through the simple query protocol (every statement of it, one round trip), its
   * results unread: pg would build a result for each statement (a migration's script has a dozen),
   * 27 µs of the client's CPU a round trip (measured, 2,000 round trips of such a script: 99 ->
   * 71 µs each), so none is built, and rows a body's SELECT sends are dropped as they arrive.
   */
  async exec(sql: string): Promise<void> {
    const query = new pg.Query(sql) as unknown as UnreadQuery;
    query.handleRowDescription = ignore;
    query.handleDataRow = ignore;
    query.handleCommandComplete = ignore;
    await new Promise<void>((resolve, reject) => {
      query.callback = (error) => (error ? reject(error) : resolve());
      this.client.query(query as unknown as pg.Query);
    });
  }

  /** Runs a script of statements (simple query protocol, one round trip): the rows of all of them. */
  async queryScript<T extends Row = Row>(sql: string): Promise<T[]> {
    const results = (await this.client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
    return rowsOf<T>(results);
  }

  /**
   * Runs a script as {@link queryScript} does (one round trip), which may hold `COPY … TO STDOUT`
   * statements: the rows of its queries, and each COPY's rows in the script's order, a row as its
   * fields in COPY's text format (null for SQL NULL). Each text is what the same column's value would
   * arrive as in a query's row before its type parser: the same output function and session settings.
   */
  async queryScriptWithCopies<T extends Row = Row>(sql: string): Promise<{ rows: T[]; copies: CopiedRows[] }> {
    const copies: CopiedRows[] = [];
    let current: CopiedRows = [];
    const query = new pg.Query(sql) as unknown as CopyOutQuery;
    const complete = query.handleCommandComplete.bind(query);
    // The server sends a COPY's rows a message each (CopyData), then its CommandComplete `COPY n`.
    query.handleCopyData = (message) => {
      current.push(copyTextRow(message.chunk));
    };
    query.handleCommandComplete = (message, connection) => {
      if (message.text?.startsWith('COPY')) {
        // Its rows are taken: no result of its own (pg would make one per statement, a thousand a read).
        copies.push(current);
        current = [];
      } else complete(message, connection);
    };
    const results = await new Promise<pg.QueryResult | pg.QueryResult[]>((resolve, reject) => {
      query.callback = (error, result) => (error ? reject(error) : resolve(result!));
      this.client.query(query as unknown as pg.Query);
    });
    return { rows: rowsOf<T>(results), copies };
  }

  /** The server's process id of this connection (for cancel requests and lock reports). */
  get pid(): number | undefined {
    return (this.client as { processID?: number }).processID;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** The rows of a script's statements, in order (pg gives one result, or one per statement). */
function rowsOf<T extends Row>(results: pg.QueryResult | pg.QueryResult[]): T[] {
  return (Array.isArray(results) ? results.flatMap((r) => r.rows) : results.rows) as T[];
}

/** The rows one `COPY … TO STDOUT` sent: each its fields as text, null for SQL NULL. */
export type CopiedRows = (string | null)[][];

/** What pg's Query does with the messages of a COPY to the client (not in its types). */
interface CopyOutQuery {
  callback?: (error: Error | undefined, result: pg.QueryResult | pg.QueryResult[] | undefined) => void;
  handleCopyData(message: { chunk: Buffer }, connection: unknown): void;
  handleCommandComplete(message: { text?: string }, connection: unknown): void;
}

/** What pg's Query does with a statement's messages (not in its types): a query whose results are not read ignores them. */
interface UnreadQuery {
  callback?: (error: Error | undefined) => void;
  handleRowDescription(message: unknown): void;
  handleDataRow(message: unknown): void;
  handleCommandComplete(message: unknown, connection: unknown): void;
}

const ignore = (): void => undefined;

const COPY_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * One row of COPY's text format (a CopyData message): fields split at tabs, `\N` is NULL, and the
 * backslash escapes COPY TO writes (`\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`; any other
 * backslashed character stands for itself) undone.
 */
export function copyTextRow(chunk: Buffer): (string | null)[] {
  // A row ends with a newline (a byte of its own in UTF-8): decoded without it.
  const end = chunk.length > 0 && chunk[chunk.length - 1] === 0x0a ? chunk.length - 1 : chunk.length;
  const fields: (string | null)[] = chunk.toString('utf8', 0, end).split('\t');
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i]!;
    if (field === '\\N') fields[i] = null;
    else if (field.includes('\\')) fields[i] = field.replace(/\\(.)/gs, (_, c: string) => COPY_ESCAPES[c] ?? c);
  }
  return fields;
}

/**
 * Opens a client with session settings sent in the startup packet (no extra round trip).
 * `client_connection_check_interval` makes the server poll the socket during long statements, so
 * a runner killed with SIGKILL mid-migration is rolled back within a second instead of whenever the
 * statement would have finished. Servers before PostgreSQL 14 do not know it: they get the rest.
 */
export async function connectClient(
  url: string,
  settings: readonly string[],
  applicationName: string,
): Promise<pg.Client> {
  try {
    return await connectOnce(url, [...settings, 'client_connection_check_interval=1000'], applicationName);
  } catch (error) {
    if ((error as { code?: string }).code !== '42704') throw error; // unrecognized configuration parameter
    return connectOnce(url, settings, applicationName);
  }
}

/** `name=value` as a set_config call, which parses the value as the setting's own syntax would. */
function toSetCommand(setting: string): string {
  const at = setting.indexOf('=');
  // The startup packet escapes spaces and backslashes with a backslash; set_config takes them plain.
  return `SELECT set_config(${quoteLiteral(setting.slice(0, at))}, ${quoteLiteral(setting.slice(at + 1).replace(/\\(.)/g, '$1'))}, false)`;
}

/** Session settings as the startup packet's `options`: `-c name=value …`. */
export function startupOptions(settings: readonly string[]): string {
  return settings.map((s) => `-c ${s}`).join(' ');
}

async function connectOnce(url: string, settings: readonly string[], applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(settings.length > 0 ? { options: startupOptions(settings) } : {}),
  });
  // An idle client whose server goes away emits 'error'; without a listener Node would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // pg lets a URL's own `options` parameter replace ours: then the settings go in SET commands.
    if (settings.length > 0 && /[?&]options=/i.test(url)) await client.query(settings.map(toSetCommand).join('; '));
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

export interface OpenOptions {
  /** plan/status/validate: the server itself refuses any write, and no lock is taken. */
  readonly readOnly?: boolean;
}

/** Settings sent in the startup packet of a migration connection (no extra round trip). */
export function sessionSettings(target: DatabaseTarget, options: OpenOptions = {}): string[] {
  const settings = options.readOnly ? ['default_transaction_read_only=on'] : [];
  // In the startup packet's options, spaces and backslashes are escaped with a backslash.
  if (target.searchPath) settings.push(`search_path=${target.searchPath.replace(/[\\ ]/g, (c) => `\\${c}`)}`);
  return settings;
}
