/**
 * What a statement does to the schema model, after the rules have judged it: tables created,
 * altered, renamed, moved and dropped; columns and their types; indexes; CHECK constraints and
 * whether they are validated; domains; functions' volatility; `SET search_path`.
 */
import type { AlterTableCmd, ColumnDef, Constraint, CreateStmt, Node, RangeVar } from 'libpg-query';
import { alterCommands, columnRefs, names, nodeOf, notNullColumn, optionValue } from '../pg-ast.js';
import { typeFromNode } from './column-type.js';
import type { ColumnInfo, SchemaModel, TableInfo } from './schema-model.js';
import { recordDrop, recordRename } from './record-rename-drop.js';

export function recordStatement(model: SchemaModel, stmt: Node): void {
  const create = nodeOf(stmt, 'CreateStmt');
  if (create) {
    recordCreateTable(model, create);
    return;
  }
  const createAs = nodeOf(stmt, 'CreateTableAsStmt');
  const created = createAs?.into?.rel ?? nodeOf(stmt, 'SelectStmt')?.intoClause?.rel ?? nodeOf(stmt, 'ViewStmt')?.view;
  if (created) {
    const kind = createAs?.objtype === 'OBJECT_MATVIEW' ? 'matview' : nodeOf(stmt, 'ViewStmt') ? 'view' : 'table';
    addTable(model, created, kind, undefined, createAs?.if_not_exists);
    return;
  }
  const index = nodeOf(stmt, 'IndexStmt');
  if (index?.relation) {
    const table = model.tableKey(index.relation);
    const columns = (index.indexParams ?? []).flatMap((p) => nodeOf(p, 'IndexElem')?.name ?? []);
    const name = index.idxname ?? `${index.relation.relname}_${columns.join('_') || 'expr'}_idx`;
    model.indexes.set(`${table.split('.')[0]}.${name}`, { table, columns });
    return;
  }
  const { table, cmds } = alterCommands(stmt);
  if (table) {
    recordAlterTable(model, table, cmds);
    return;
  }
  if (recordRename(model, stmt) || recordDrop(model, stmt)) return;
  const domain = nodeOf(stmt, 'CreateDomainStmt');
  if (domain) {
    const type = typeFromNode(domain.typeName);
    const parts = names(domain.domainname);
    const constrained = (domain.constraints ?? []).some((c) =>
      ['CONSTR_CHECK', 'CONSTR_NOTNULL'].includes(nodeOf(c, 'Constraint')?.contype ?? ''),
    );
    if (type)
      model.domains.set(parts.length > 1 ? parts.join('.') : `${model.creationSchema}.${parts[0]}`, {
        base: type,
        constrained,
      });
    return;
  }
  const alterDomain = nodeOf(stmt, 'AlterDomainStmt');
  if (alterDomain && (alterDomain.subtype === 'C' || alterDomain.subtype === 'N')) {
    const found = model.domain(names(alterDomain.typeName).join('.'));
    if (found)
      model.domains.set(model.objectKey(names(alterDomain.typeName), model.domains), { ...found, constrained: true });
    return;
  }
  const fn = nodeOf(stmt, 'CreateFunctionStmt');
  if (fn && !fn.is_procedure) {
    const parts = names(fn.funcname);
    const key = parts.length > 1 ? parts.join('.') : `${model.creationSchema}.${parts[0]}`;
    const volatility = (optionValue(fn.options, 'volatility') ?? 'volatile') as 'immutable' | 'stable' | 'volatile';
    model.functions.set(key, [...(fn.replace ? [] : (model.functions.get(key) ?? [])), { volatility }]);
    return;
  }
  const set = nodeOf(stmt, 'VariableSetStmt');
  if (set?.name === 'search_path') {
    const schemas = (set.args ?? [])
      .flatMap((a) => nodeOf(a, 'A_Const')?.sval?.sval ?? [])
      .filter((s) => s !== '$user');
    model.setSearchPath(set.kind === 'VAR_SET_VALUE' ? schemas : undefined);
  }
}

function recordCreateTable(model: SchemaModel, create: CreateStmt): void {
  if (!create.relation) return;
  const key = model.createKey(create.relation);
  const parent = create.inhRelations?.length ? model.table(nodeOf(create.inhRelations[0], 'RangeVar')) : undefined;
  let columns: Map<string, ColumnInfo> | undefined = create.partbound ? new Map(parent?.columns ?? []) : new Map();
  if (create.partbound && !parent?.columns) columns = undefined;
  const table = addTable(model, create.relation, 'table', columns, create.if_not_exists);
  if (!table || table.key !== key) return;
  for (const element of create.tableElts ?? []) {
    const column = nodeOf(element, 'ColumnDef');
    if (column) addColumn(model, table, column);
    const constraint = nodeOf(element, 'Constraint');
    if (constraint) addConstraint(model, table, constraint);
    if (nodeOf(element, 'TableLikeClause')) table.columns = undefined;
  }
  const partitionKey = (create.partspec?.partParams ?? []).flatMap((p) => nodeOf(p, 'PartitionElem')?.name ?? []);
  if (partitionKey.length > 0) table.partitionKey = partitionKey;
}

/**
 * Adds a table a statement creates and returns it; with IF NOT EXISTS, a table the model knows
 * stays as it is (undefined is returned), and one it does not know may exist already: it counts as
 * live unless the live catalog says it does not exist.
 */
function addTable(
  model: SchemaModel,
  relation: RangeVar,
  kind: TableInfo['kind'],
  columns: TableInfo['columns'],
  ifNotExists?: boolean,
): TableInfo | undefined {
  const key = model.createKey(relation);
  if (ifNotExists && model.tables.has(key)) return undefined;
  const live = ifNotExists === true && model.catalog === undefined && !key.startsWith('pg_temp.');
  const table: TableInfo = { key, kind, live, columns, checks: [] };
  model.setTable(table);
  return table;
}

function addColumn(model: SchemaModel, table: TableInfo, column: ColumnDef): void {
  const type = typeFromNode(column.typeName);
  const constraints = (column.constraints ?? []).flatMap((c) => nodeOf(c, 'Constraint') ?? []);
  const notNull =
    column.is_not_null === true ||
    constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
  const collation = names(column.collClause?.collname).at(-1);
  if (table.columns && column.colname && type)
    table.columns.set(column.colname, { type, notNull, ...(collation ? { collation } : {}) });
  for (const constraint of constraints) addConstraint(model, table, constraint, column.colname);
}

function addConstraint(model: SchemaModel, table: TableInfo, constraint: Constraint, column?: string): void {
  if (constraint.contype === 'CONSTR_CHECK') {
    const notNullOf = notNullColumn(constraint.raw_expr);
    table.checks.push({
      ...(constraint.conname ? { name: constraint.conname } : {}),
      columns: columnRefs(constraint.raw_expr),
      validated: constraint.skip_validation !== true,
      ...(notNullOf ? { notNullOf } : {}),
    });
  }
  if (constraint.contype === 'CONSTR_PRIMARY' || constraint.contype === 'CONSTR_UNIQUE') {
    const keys = column ? [column] : names(constraint.keys);
    const relname = table.key.split('.')[1];
    const name =
      constraint.conname ??
      (constraint.contype === 'CONSTR_PRIMARY' ? `${relname}_pkey` : `${relname}_${keys.join('_')}_key`);
    if (constraint.indexname) model.indexes.delete(model.objectKey([constraint.indexname], model.indexes));
    model.indexes.set(`${table.key.split('.')[0]}.${name}`, { table: table.key, columns: keys });
  }
}

function recordAlterTable(model: SchemaModel, relation: RangeVar, cmds: readonly AlterTableCmd[]): void {
  const table = model.ensureTable(relation);
  for (const cmd of cmds) {
    const columnDef = nodeOf(cmd.def, 'ColumnDef');
    const current = cmd.name ? table.columns?.get(cmd.name) : undefined;
    switch (cmd.subtype) {
      case 'AT_AddColumn':
        if (columnDef) addColumn(model, table, columnDef);
        break;
      case 'AT_DropColumn':
        if (cmd.name) table.columns?.delete(cmd.name);
        break;
      case 'AT_AlterColumnType': {
        const type = typeFromNode(columnDef?.typeName);
        const collation = names(columnDef?.collClause?.collname).at(-1);
        if (current && type) table.columns!.set(cmd.name!, { ...current, type, ...(collation ? { collation } : {}) });
        break;
      }
      case 'AT_SetNotNull':
      case 'AT_DropNotNull':
        if (current) current.notNull = cmd.subtype === 'AT_SetNotNull';
        break;
      case 'AT_AddConstraint': {
        const constraint = nodeOf(cmd.def, 'Constraint');
        if (constraint) addConstraint(model, table, constraint);
        break;
      }
      case 'AT_ValidateConstraint':
        for (const check of table.checks) if (check.name === cmd.name) check.validated = true;
        break;
      case 'AT_DropConstraint':
        table.checks = table.checks.filter((c) => c.name !== cmd.name);
        break;
      default:
        break;
    }
  }
}
