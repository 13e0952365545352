import type { Knex } from '../../modules/knex-types.js';
import { stopwatch } from '../../util/stopwatch.js';
import { GuardLost } from '../body-guard.js';
import { scriptTransaction } from '../script-knex.js';
import type { MigrationStep, StepContext } from '../session.js';
import { recordStep } from './marks.js';
import { bodyError } from './run-statements.js';
import { runScript } from './script-migration.js';
import type { WorkingConnection } from './working-connection.js';

/**
 * `--tx-mode all`: one transaction around every migration of the run, committed when the run's
 * work returns and rolled back when it throws. Each body runs inside the guard; its history row
 * waits in the one transaction with it.
 */
export class OuterTransaction {
  /** Set while the one transaction is open; `knex` when script migrations share it. */
  private open: { readonly knex?: Knex.Transaction } | undefined;

  constructor(
    private readonly conn: WorkingConnection,
    /**
     * A SQL body goes in one call with its guard (engines that report an error's position, so the
     * failing line is known without running statements one by one), else statement by statement.
     */
    private readonly sqlInOneCall: boolean,
  ) {}

  get active(): boolean {
    return this.open !== undefined;
  }

  async run<T>(work: () => Promise<T>, options: { readonly scripts?: boolean } = {}): Promise<T> {
    const conn = this.conn;
    const around = async (knex?: Knex.Transaction): Promise<T> => {
      this.open = knex ? { knex } : {};
      try {
        return await work();
      } finally {
        this.open = undefined;
        conn.uncommitted.length = 0; // committed or rolled back with the one transaction
      }
    };
    if (!options.scripts) return conn.inTransaction(() => around());
    // Script migrations need a Knex.Transaction: knex itself opens the one transaction (on our
    // connection, through its public `connection` option), and each script nests in it.
    const knex = await conn.scripts();
    await conn.flush();
    let result: T | undefined;
    await knex.transaction(conn.driver.knex.connection, async (trx) => {
      result = await around(trx);
    });
    return result as T;
  }

  /** Runs a step inside the one transaction and writes its history row there. */
  async apply(step: MigrationStep, context: StepContext): Promise<number> {
    const { conn } = this;
    const { driver } = conn;
    const elapsed = stopwatch();
    const exec = (sql: string) => driver.runner.exec(sql);
    // The step's lock and statement timeouts, for the rest of the one transaction (the next step sets its own).
    const timeouts = context.timeouts ? await driver.timeoutStatements(context.timeouts, 'local') : [];
    const setTimeouts = async () => {
      for (const statement of timeouts) await exec(statement);
    };
    try {
      const { body } = step;
      if (body.format === 'sql' && this.sqlInOneCall && driver.guard)
        await this.runSqlInOneCall(body.sql, step, context, timeouts);
      else if (body.format === 'sql') {
        await setTimeouts();
        await conn.guarded(exec, () => conn.runStatements(body.sql), step, context);
      } else {
        await conn.clean();
        await setTimeouts();
        const knex = this.open?.knex;
        const run = knex
          ? () => knex.transaction((nested) => runScript(body, scriptTransaction(nested), context))
          : async () => runScript(body, (await conn.scripts()).plain(), context);
        await conn.guarded(exec, run, step, context);
      }
      driver.hygiene.ran(step);
    } catch (error) {
      throw error instanceof GuardLost ? await conn.transactionEnded(error) : error;
    }
    await recordStep(driver.runner, driver.dialect, step, context, elapsed());
    conn.uncommitted.push(step);
    return elapsed();
  }

  /** The whole file in one call inside the guard, its error position mapped to a line. */
  private async runSqlInOneCall(
    sql: string,
    step: MigrationStep,
    context: StepContext,
    timeouts: readonly string[],
  ): Promise<void> {
    const { driver } = this.conn;
    const guard = driver.guard!;
    const setTimeouts = timeouts.map((statement) => `${statement}; `).join('');
    const text = `${driver.hygiene.prefix(true)}${setTimeouts}${guard.open}; ${sql}\n;\n${guard.close}`;
    try {
      await driver.runner.exec(text);
    } catch (error) {
      if (driver.isGuardLost(error)) throw new GuardLost(error, step, context, false);
      const holds = await driver.runner.exec(guard.undo).then(
        () => true,
        (e: unknown) => !driver.isGuardLost(e),
      );
      if (!holds) throw new GuardLost(error, step, context, true);
      if (!driver.isStatementError(error)) throw error;
      throw bodyError(driver, error, driver.errorLine(error, { text, line: 1 }), [], context);
    }
  }
}
