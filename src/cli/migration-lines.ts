import type { ExecuteEvent, MigrationResult } from '../execute/types.js';
import type { LoadedModule } from '../modules/types.js';
import { formatMs, type Output } from './output.js';

/**
 * The per-migration lines of `migrate --only` (`  catalog  0002_seed_products  57 ms`), printed as
 * each migration finishes rather than when the run ends, so a long run shows what is done (on a
 * TTY between progress lines; in a CI log a few lines a write, each at most 50 ms late, and on
 * SQLite each as its migration finishes: Output.lineSoon). Columns are as wide as the
 * longest module name and migration id of the modules the run covers, known before anything runs.
 * `finish` prints what the events did not: the failed migration, and those that `--tx-mode all`
 * rolled back after they were reported applied.
 */
export function migrationLines(
  output: Output,
  modules: readonly LoadedModule[],
  /** Text after a module's line (the database of a module that has its own). */
  suffix: (module: string) => string = () => '',
): { onEvent: (event: ExecuteEvent) => void; finish: (results: readonly MigrationResult[]) => void } {
  let width = Math.max(0, ...modules.map((m) => m.name.length));
  let idWidth = Math.max(0, ...modules.flatMap((m) => m.migrations.map((x) => x.id.length)));
  const printed = new Set<string>();
  const key = (r: MigrationResult) => `${r.module}\u0000${r.id}`;
  // Modules whose migrations hold the thread (SQLite): their lines are written at once, as nothing
  // could write them while the next migration runs.
  const holdingThread = new Set<string>();
  const print = (r: MigrationResult) => {
    width = Math.max(width, r.module.length);
    idWidth = Math.max(idWidth, r.id.length);
    const ok = r.status === 'applied' || r.status === 'reverted';
    output.clearProgress();
    const text = `${ok ? ' ' : '!'} ${r.module.padEnd(width)}  ${r.id.padEnd(idWidth)}  ${ok ? formatMs(r.durationMs) : r.status}${suffix(r.module)}`;
    if (holdingThread.has(r.module)) output.line(text);
    else output.lineSoon(text);
    printed.add(key(r));
  };
  return {
    onEvent(event) {
      if (event.type === 'migration-done') print(event.result);
      else if (event.type === 'migration-start') {
        if (event.blocksThread) holdingThread.add(event.module);
        // What waits (another database's lines) goes out before a migration that may print (a
        // script) or that holds the thread.
        if (event.format === 'script' || event.blocksThread) output.flush();
      }
    },
    finish(results) {
      output.clearProgress();
      const revised = (r: MigrationResult) => r.status === 'rolled-back' || r.status === 'unconfirmed';
      for (const r of results) if (!printed.has(key(r)) || revised(r)) print(r);
    },
  };
}
