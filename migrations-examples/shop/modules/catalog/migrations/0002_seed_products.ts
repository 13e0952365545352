import type { Knex } from 'knex';

// A data migration in TypeScript: `db` runs inside this migration's transaction.
const products = [
  { sku: 'mug-001', title: 'modkit mug', price_cents: 1200 },
  { sku: 'tee-001', title: 'modkit t-shirt', price_cents: 2500 },
  { sku: 'sticker-001', title: 'Sticker; pack of 5', price_cents: 300 },
];

export async function up(db: Knex): Promise<void> {
  await db('catalog_products').insert(products);
}

export async function down(db: Knex): Promise<void> {
  await db('catalog_products').whereIn('sku', products.map((p) => p.sku)).delete();
}
