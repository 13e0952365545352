import type { Knex } from 'knex';

// Schema changes through knex's builder are portable across engines.
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('customers', (table) => {
    table.unique(['email'], { indexName: 'customers_email_unique' });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('customers', (table) => {
    table.dropUnique(['email'], 'customers_email_unique');
  });
}
