import type { DatabaseTarget } from '../config/types.js';
import { stopwatch } from '../util/stopwatch.js';
import { applyOutsideTransaction } from './apply/outside-transaction.js';
import { OuterTransaction } from './apply/outer-transaction.js';
import type { OwnTransaction } from './apply/own-transaction.js';
import { retryAfterLockTimeout } from './apply/run-statements.js';
import { WorkingConnection } from './apply/working-connection.js';
import { historyWriter } from './apply/history-writer.js';
import type { EngineDriver } from './driver.js';
import { createHistoryTable, readHistories, upgradeHistoryTable } from './history-store.js';
import type { ModuleHistory } from './history-types.js';
import type { LintCatalogReader } from './lint-catalog.js';
import {
  BodyError,
  type HistoryUpgrade,
  type HistoryWriter,
  type MigrationStep,
  type RunLock,
  type Session,
  type SessionCapabilities,
  type StepContext,
} from './session.js';

/** What makes one engine's session: its driver, the strategies it chose, and their settings — as data. */
export interface EngineParts {
  readonly driver: EngineDriver;
  readonly capabilities: SessionCapabilities;
  readonly lock?: RunLock;
  /** The engine's way of applying a migration in a transaction of its own (apply/own-transaction.ts). */
  ownTransaction(conn: WorkingConnection): OwnTransaction;
  readonly options: EngineOptions;
  /** Another session on a new connection to the same database (`--concurrency`). */
  fork(): Promise<Session>;
  /** Releases the lock and the connections, in the order this engine needs, once commits are done. */
  release(): Promise<void>;
  readonly lintCatalog?: LintCatalogReader;
}

export interface EngineOptions {
  /**
   * What a lock timeout in a migration's own transaction retries: the whole migration (it was
   * rolled back entirely), or only the statement (the server undid the statement alone, and the
   * statement runner retries it).
   */
  readonly lockTimeoutRetries: 'migration' | 'statement';
  /** `--tx-mode all` sends a SQL body in one call with its guard (see OuterTransaction). */
  readonly outerSqlInOneCall: boolean;
  /** Closing reports a failed commit of what waits (never silently rolled back), instead of ignoring it. */
  readonly closeReportsCommitFailure: boolean;
}

/**
 * The one Session of every engine: the history tables, the no-transaction path (marked started →
 * applied), `--tx-mode all`, lock-timeout retries — written once — around the engine's driver and
 * the own-transaction strategy it chose. Nothing here is overridden per engine.
 */
export class EngineSession implements Session {
  readonly capabilities: SessionCapabilities;
  readonly lock?: RunLock;
  readonly lintCatalog?: LintCatalogReader;
  private readonly driver: EngineDriver;
  private readonly conn: WorkingConnection;
  private readonly own: OwnTransaction;
  private readonly outer: OuterTransaction;

  constructor(
    readonly target: DatabaseTarget,
    private readonly parts: EngineParts,
  ) {
    this.driver = parts.driver;
    this.capabilities = parts.capabilities;
    if (parts.lock) this.lock = parts.lock;
    if (parts.lintCatalog) this.lintCatalog = parts.lintCatalog;
    this.conn = new WorkingConnection(parts.driver, () => this.own);
    this.own = parts.ownTransaction(this.conn);
    this.outer = new OuterTransaction(this.conn, parts.options.outerSqlInOneCall);
  }

  readHistories(modules: readonly string[]): Promise<Map<string, ModuleHistory>> {
    return readHistories(this.driver.dialect, this.driver.runner, modules);
  }

  createHistory(table: string): Promise<void> {
    // Under --tx-mode all it belongs to the one transaction: a commit of its own would end that.
    if (this.outer.active) return createHistoryTable(this.driver.dialect, this.driver.runner, table);
    return this.own.createHistory(table);
  }

  upgradeHistory(history: ModuleHistory): Promise<HistoryUpgrade | undefined> {
    return upgradeHistoryTable(this.driver.dialect, this.driver.runner, history);
  }

  writeHistory<T>(work: (history: HistoryWriter) => Promise<T>): Promise<T> {
    return this.conn.inTransaction(() => work(historyWriter(this.driver.dialect, this.driver.runner)));
  }

  async apply(step: MigrationStep, context: StepContext): Promise<number> {
    try {
      return await this.applyStep(step, context);
    } catch (error) {
      if (error instanceof BodyError) error.needsNoTransaction = this.driver.needsNoTransaction(error.cause);
      throw error;
    } finally {
      this.driver.hygiene.ran(step);
    }
  }

  private async applyStep(step: MigrationStep, context: StepContext): Promise<number> {
    if (!step.body.transactional) {
      const elapsed = stopwatch();
      await applyOutsideTransaction(this.conn, step, context);
      return elapsed();
    }
    if (this.outer.active) return this.outer.apply(step, context);
    if (this.parts.options.lockTimeoutRetries === 'statement') return this.own.apply(step, context);
    // A migration that hit the lock timeout was rolled back entirely: it can simply run again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.own.apply(step, context);
      } catch (error) {
        if (!(await retryAfterLockTimeout(error, attempt, context))) throw error;
      }
    }
  }

  inOneTransaction<T>(work: () => Promise<T>, options?: { readonly scripts?: boolean }): Promise<T> {
    return this.outer.run(work, options);
  }

  fork(): Promise<Session> {
    return this.parts.fork();
  }

  flush(): Promise<void> {
    return this.own.flush();
  }

  settle(): Promise<void> {
    return this.own.settle();
  }

  cancel(): Promise<void> {
    return this.driver.cancel();
  }

  async close(): Promise<void> {
    // What waits is committed, never silently rolled back.
    const flushed = this.own.flush();
    if (this.parts.options.closeReportsCommitFailure) await flushed;
    else await flushed.catch(() => undefined);
    await this.conn.close();
    await this.parts.release();
  }
}
