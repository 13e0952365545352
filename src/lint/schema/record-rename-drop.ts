/** Renames, schema moves and drops, as the schema model follows them. */
import type { Node } from 'libpg-query';
import { names, nodeOf } from '../pg-ast.js';
import type { SchemaModel } from './schema-model.js';

const RELATION_KINDS = new Set(['OBJECT_TABLE', 'OBJECT_MATVIEW', 'OBJECT_VIEW', 'OBJECT_FOREIGN_TABLE']);

/** True when `stmt` was a rename or a schema move the model follows. */
export function recordRename(model: SchemaModel, stmt: Node): boolean {
  const rename = nodeOf(stmt, 'RenameStmt');
  if (rename?.relation && rename.newname) {
    const key = model.tableKey(rename.relation);
    const schema = key.split('.')[0]!;
    if (RELATION_KINDS.has(rename.renameType ?? '')) model.moveTable(key, `${schema}.${rename.newname}`);
    const table = model.tables.get(key);
    if (rename.renameType === 'OBJECT_COLUMN' && rename.subname && table?.columns) {
      const column = table.columns.get(rename.subname);
      if (column) {
        table.columns.delete(rename.subname);
        table.columns.set(rename.newname, column);
      }
    }
    if (rename.renameType === 'OBJECT_TABCONSTRAINT' && table) {
      table.checks = table.checks.map((c) => (c.name === rename.subname ? { ...c, name: rename.newname! } : c));
    }
    if (rename.renameType === 'OBJECT_INDEX') {
      const indexKey = model.objectKey(
        [...(rename.relation.schemaname ? [rename.relation.schemaname] : []), rename.relation.relname ?? ''],
        model.indexes,
      );
      const index = model.indexes.get(indexKey);
      if (index) {
        model.indexes.delete(indexKey);
        model.indexes.set(`${indexKey.split('.')[0]}.${rename.newname}`, index);
      }
    }
    return true;
  }
  const move = nodeOf(stmt, 'AlterObjectSchemaStmt');
  if (move?.relation && move.newschema && RELATION_KINDS.has(move.objectType ?? '')) {
    model.moveTable(model.tableKey(move.relation), `${move.newschema}.${move.relation.relname}`);
    return true;
  }
  return false;
}

/** True when `stmt` was a DROP the model follows. */
export function recordDrop(model: SchemaModel, stmt: Node): boolean {
  const drop = nodeOf(stmt, 'DropStmt');
  if (!drop) return false;
  for (const object of drop.objects ?? []) {
    const parts = [...names(nodeOf(object, 'List')?.items), ...names([object])];
    const type = nodeOf(object, 'TypeName');
    const kind = drop.removeType ?? '';
    if (RELATION_KINDS.has(kind) && parts.length > 0) {
      const relname = parts.at(-1)!;
      model.dropTable(model.tableKey(parts.length > 1 ? { schemaname: parts.at(-2)!, relname } : { relname }));
    } else if (kind === 'OBJECT_INDEX' && parts.length > 0) {
      model.indexes.delete(model.objectKey(parts, model.indexes));
    } else if (kind === 'OBJECT_DOMAIN' && type) {
      model.domains.delete(model.objectKey(names(type.names), model.domains));
    } else if (kind === 'OBJECT_SCHEMA' && parts.length === 1) {
      for (const key of [...model.tables.keys()]) if (key.startsWith(`${parts[0]}.`)) model.dropTable(key);
    }
  }
  return true;
}
