/** Loads the live catalog (src/db/lint-catalog.ts) into a schema model: everything in it is live. */
import type { CatalogCheck, LintCatalog } from '../../db/lint-catalog.js';
import { typeFromCatalog } from './column-type.js';
import type { CheckInfo, ColumnInfo, SchemaModel, TableInfo } from './schema-model.js';

export function seedFromCatalog(model: SchemaModel, catalog: LintCatalog): void {
  for (const domain of catalog.domains) {
    model.domains.set(`${domain.schema}.${domain.name}`, {
      base: typeFromCatalog(domain.baseType, domain.baseTypmod, false),
      constrained: domain.constrained,
    });
  }
  for (const f of catalog.functions) {
    const key = `${f.schema}.${f.name}`;
    model.functions.set(key, [...(model.functions.get(key) ?? []), { volatility: f.volatility }]);
  }
  for (const relation of catalog.relations) {
    const key = `${relation.schema}.${relation.name}`;
    const columns = new Map<string, ColumnInfo>(
      relation.columns.map((c) => [
        c.name,
        {
          type: typeFromCatalog(c.type, c.typmod, c.array),
          notNull: c.notNull,
          ...(c.collation ? { collation: c.collation } : {}),
        },
      ]),
    );
    const table: TableInfo = {
      key,
      kind: relation.kind === 'matview' ? 'matview' : relation.kind === 'view' ? 'view' : 'table',
      live: true,
      columns,
      checks: relation.checks.map(checkOf),
      ...(relation.partitionKey ? { partitionKey: relation.partitionKey } : {}),
    };
    model.tables.set(key, table);
    for (const index of relation.indexes)
      model.indexes.set(`${index.schema}.${index.name}`, { table: key, columns: index.columns });
  }
  for (const index of catalog.indexes)
    model.indexes.set(`${index.schema}.${index.name}`, {
      table: `${index.schema}.${index.table}`,
      columns: index.columns,
    });
}

/** `CHECK ((email IS NOT NULL))`, as pg_get_constraintdef prints it, proves `email` not null. */
const NOT_NULL_CHECK = /^CHECK \(\(?"?([^"()\s]+)"? IS NOT NULL\)?\)/;

function checkOf(check: CatalogCheck): CheckInfo {
  const notNullOf = NOT_NULL_CHECK.exec(check.definition)?.[1];
  return { name: check.name, columns: check.columns, validated: check.validated, ...(notNullOf ? { notNullOf } : {}) };
}
