/**
 * `destructive`: statements that break the application version still running during a deploy
 * (it reads the dropped table or column, or the old name) or lose data for good.
 */
import type { RangeVar } from 'libpg-query';
import { alterCommands, names, nodeOf, tableName } from '../pg-ast.js';
import type { Rule, RuleHit } from './rule.js';

const FIX_DROP = 'first release code that no longer uses it, then drop it in a later deploy';
const FIX_RENAME =
  'add the new name beside the old one (a new column kept in sync, or a view), move the code over, then drop the ' +
  'old one later';

export const destructive: Rule = {
  name: 'destructive',
  check(stmt, { schema }) {
    const hit = (table: RangeVar | undefined, message: string): RuleHit[] =>
      schema.isNew(table) ? [] : [{ rule: this.name, message }];
    const drop = nodeOf(stmt, 'DropStmt');
    if (drop?.removeType === 'OBJECT_TABLE' || drop?.removeType === 'OBJECT_SCHEMA') {
      const kind = drop.removeType === 'OBJECT_TABLE' ? 'TABLE' : 'SCHEMA';
      return (drop.objects ?? []).flatMap((o) => {
        const parts = [...names(nodeOf(o, 'List')?.items), ...names([o])];
        const table =
          kind === 'TABLE'
            ? { relname: parts.at(-1), ...(parts.length > 1 ? { schemaname: parts.at(-2) } : {}) }
            : undefined;
        return hit(
          table,
          `DROP ${kind} ${parts.join('.')} breaks the application version still running during the deploy, and the ` +
            `data is gone: ${FIX_DROP}`,
        );
      });
    }
    const truncate = nodeOf(stmt, 'TruncateStmt');
    if (truncate) {
      return (truncate.relations ?? []).flatMap((r) => {
        const table = nodeOf(r, 'RangeVar');
        return hit(
          table,
          `TRUNCATE ${tableName(table)} deletes every row: if this is meant, say so with -- modkit:lint-ignore ` +
            `destructive <reason>`,
        );
      });
    }
    const rename = nodeOf(stmt, 'RenameStmt');
    if (
      rename &&
      (rename.renameType === 'OBJECT_TABLE' ||
        (rename.renameType === 'OBJECT_COLUMN' && rename.relationType === 'OBJECT_TABLE'))
    ) {
      const what =
        rename.renameType === 'OBJECT_TABLE'
          ? `table ${tableName(rename.relation)}`
          : `column ${tableName(rename.relation)}.${rename.subname ?? '?'}`;
      return hit(
        rename.relation,
        `RENAME of ${what} to ${rename.newname ?? '?'} breaks the application version still running during the ` +
          `deploy: ${FIX_RENAME}`,
      );
    }
    const { table, cmds } = alterCommands(stmt);
    return cmds.flatMap((cmd) =>
      cmd.subtype === 'AT_DropColumn'
        ? hit(
            table,
            `DROP COLUMN ${cmd.name ?? '?'} of "${tableName(table)}" breaks the application version still running ` +
              `during the deploy: ${FIX_DROP}`,
          )
        : [],
    );
  },
};
