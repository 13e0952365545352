/** Formats the bench results as the table the README quotes. */
import { NOOP_RUNS_PER_REP } from './scenarios.mjs';
import { isOwnTarget, targetOf } from './targets.mjs';

const fmt = (ms) => (Number.isNaN(ms) ? 'failed' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

export function formatReport({ env, options, total, results, help, lint, scale }) {
  const lines = [];
  lines.push(`machine: ${env.cpu}, ${env.memoryGb} GB, ${env.os}`);
  lines.push(
    `versions: node ${env.node}, modkit ${env.modkit}, knex ${env.knex}, pg ${env.pg}, better-sqlite3 ${env.betterSqlite3} (SQLite ${env.sqlite})` +
      (env.postgres ? `, PostgreSQL server ${env.postgres} (local)` : '') +
      (env.mysql ? `, mysql2 ${env.mysql2}, server ${env.mysql} (local)` : ''),
  );
  if (env.extraCaCerts)
    lines.push(
      `environment: NODE_EXTRA_CA_CERTS=${env.extraCaCerts}: every Node process (each tool, each floor) parses it at start-up, which raises every no-op ratio`,
    );
  lines.push(
    `workload: ${options.modules} modules x ${options.migrations} migrations = ${total} CREATE TABLEs; modkit migrations as ${options.modkitFormat === 'sql' ? '.up.sql/.down.sql' : '.mjs scripts'}, knex migrations as .js; ` +
      `median of ${options.reps} runs per cell (the no-op ${options.reps * NOOP_RUNS_PER_REP}) after one warm-up, tools alternating; modkit with its defaults, so migrate lints pending PostgreSQL migrations (apply) and the no-op has nothing to lint`,
  );
  lines.push('');
  lines.push('| engine | phase | knex | modkit | modkit/knex | target | floor | peak RSS knex / modkit |');
  lines.push('|---|---|---:|---:|---:|---|---:|---|');
  for (const r of results) {
    for (const phase of ['apply', 'no-op']) {
      const s = r[phase];
      if (!s) continue;
      const ratio = s.modkit.medianMs / s.knex.medianMs;
      const target = targetOf(r.engine, phase);
      const floor = s.floor
        ? `${fmt(s.floor.medianMs)} (${phase === 'apply' ? 'the driver alone' : 'Node start-up'}; modkit ${(s.modkit.medianMs / s.floor.medianMs).toFixed(2)}x)`
        : '';
      const rss =
        phase === 'apply'
          ? `${s.knex.peakRssMb?.toFixed(0) ?? '?'} MB / ${s.modkit.peakRssMb?.toFixed(0) ?? '?'} MB`
          : '';
      lines.push(
        `| ${r.engine} | ${phase} | ${fmt(s.knex.medianMs)} | ${fmt(s.modkit.medianMs)} | ${ratio.toFixed(2)} | ${targetCell(ratio, target, isOwnTarget(r.engine, phase))} | ${floor} | ${rss} |`,
      );
      if (s['modkit --no-lint']) {
        const off = s['modkit --no-lint'];
        lines.push(
          `| ${r.engine} | ${phase}, \`--no-lint\` | | ${fmt(off.medianMs)} | ${(off.medianMs / s.knex.medianMs).toFixed(2)} | (lint on: ${(s.modkit.medianMs / off.medianMs).toFixed(2)}x of this) | | |`,
        );
      }
      for (const [name, summary] of Object.entries(s)) {
        const match = /^modkit -c(\d+)$/.exec(name);
        if (!match) continue;
        const n = Number(match[1]);
        const cratio = summary.medianMs / s.knex.medianMs;
        const ctarget = targetOf(r.engine, phase, n);
        lines.push(
          `| ${r.engine} | ${phase}, --concurrency ${n} | | ${fmt(summary.medianMs)} | ${cratio.toFixed(2)} | ${ctarget ? `≤ ${ctarget.toFixed(2)} ${cratio <= ctarget ? 'ok' : 'MISSED'}` : '(no target)'} | | ${summary.peakRssMb?.toFixed(0) ?? '?'} MB |`,
        );
      }
    }
  }
  if (help) {
    lines.push(
      `| - | --help | ${fmt(help.knex.medianMs)} | ${fmt(help.modkit.medianMs)} | ${(help.modkit.medianMs / help.knex.medianMs).toFixed(2)} | | | ${help.knex.peakRssMb?.toFixed(0)} MB / ${help.modkit.peakRssMb?.toFixed(0)} MB |`,
    );
  }
  if (lint) lines.push(...lintRows(lint, total));
  if (scale) {
    lines.push('');
    lines.push(
      `scale: ${scale.modules} modules x ${options.migrations} migrations (${scale.factor}x the migrations), median of ${options.scaleReps} runs; growth = time at scale / time at base (linear: ≤ ~${scale.factor})`,
    );
    lines.push('');
    lines.push('| engine | phase | knex at scale | growth | modkit at scale | growth | modkit/knex at scale |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    for (const r of scale.results) {
      for (const phase of ['apply', 'no-op']) {
        const base = results.find((b) => b.engine === r.engine)?.[phase];
        const s = r[phase];
        if (!s || !base) continue;
        const g = (tool) => (s[tool].medianMs / base[tool].medianMs).toFixed(1);
        lines.push(
          `| ${r.engine} | ${phase} | ${fmt(s.knex.medianMs)} | ${g('knex')}x | ${fmt(s.modkit.medianMs)} | ${g('modkit')}x | ${(s.modkit.medianMs / s.knex.medianMs).toFixed(2)} |`,
        );
      }
    }
  }
  const failures = [...results, ...(scale?.results ?? [])].flatMap((r) =>
    ['apply', 'no-op'].flatMap((phase) =>
      Object.entries(r[phase] ?? {})
        .filter(([, s]) => s.failed)
        .map(([tool, s]) => `${tool} failed on ${r.engine} ${phase}: ${s.failed}`),
    ),
  );
  if (failures.length > 0) lines.push('', ...failures);
  return lines.join('\n').replace(/NaN(x)?/g, 'n/a');
}

function targetCell(ratio, target, ours) {
  if (target === undefined) return '(no target)';
  return `≤ ${target.toFixed(2)}${ours ? ' (ours)' : ''} ${ratio <= target ? 'ok' : 'MISSED'}`;
}

/**
 * The lint rows: modkit's lint of the workload's files, and squawk's on the same files when it ran;
 * with the median CPU time (user + system), which a loaded machine inflates less than the wall time.
 */
export function lintRows(lint, total) {
  const ms = lint.modkit.medianMs;
  const cpu = (s) => (s.medianCpuMs === undefined ? '' : `; CPU ${fmt(s.medianCpuMs)}`);
  const rss = (s) => `${s.peakRssMb?.toFixed(0) ?? '?'} MB`;
  const rows = [
    `| postgres | \`modkit lint\`, ${total} files (whole process; min ${fmt(lint.modkit.minMs)}${cpu(lint.modkit)}) | | ` +
      `${fmt(ms)} | | ≤ 1 s ${ms <= 1000 ? 'ok' : 'MISSED'} | | ${rss(lint.modkit)} |`,
  ];
  if (lint.squawk) {
    const s = lint.squawk;
    rows.push(
      `| postgres | squawk, the same ${total} files (whole process; min ${fmt(s.minMs)}${cpu(s)}) | | ${fmt(s.medianMs)} | | ` +
        `(modkit/squawk ${(ms / s.medianMs).toFixed(2)}) | | ${rss(s)} |`,
    );
  }
  return rows;
}

/**
 * `--quick`: a ratio more than twice its target is a regression CI should see; anything under that
 * is left to the full bench, whose medians a shared runner's noise would make flaky as a gate.
 */
export function quickCheck(results) {
  const lines = ['quick check (fails only past 2x a target):'];
  let regressions = 0;
  for (const r of results) {
    for (const phase of ['apply', 'no-op']) {
      const s = r[phase];
      if (!s?.modkit || !s?.knex || s.modkit.failed || s.knex.failed) continue;
      // --concurrency rows are not checked: 10 modules are too narrow a graph for their target, set on
      // 50 x 20 (`--quick --concurrency 4` measured 0.91 against 0.50 on a quiet machine).
      const target = targetOf(r.engine, phase);
      if (target === undefined) continue;
      const ratio = s.modkit.medianMs / s.knex.medianMs;
      const limit = 2 * target;
      const bad = ratio > limit;
      if (bad) regressions += 1;
      const ours = isOwnTarget(r.engine, phase) ? ', ours' : '';
      lines.push(
        `- ${r.engine} ${phase}: modkit/knex ${ratio.toFixed(2)} (target ${target.toFixed(2)}${ours}, limit ${limit.toFixed(2)}) ${bad ? 'REGRESSION' : 'ok'}`,
      );
    }
  }
  return { regressions, lines };
}
