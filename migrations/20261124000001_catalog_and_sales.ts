/**
 * Catalog, inventory, users, sales and the stock ledger (DESIGN §3).
 * Inventory keeps `on_hand` and `reserved`; `available` is derived by the database so it can never
 * disagree with them, and CHECKs make negative or over-reserved stock impossible even if a bug
 * tried it. Every stock change bumps `version` and writes a stock_movements row.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('products', (t) => {
    t.text('id').primary();
    t.text('sku').notNullable().unique();
    t.text('name').notNullable();
    t.integer('price').notNullable().checkPositive('products_price_positive'); // minor units
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('inventory', (t) => {
    t.text('product_id').primary().references('products.id').onDelete('CASCADE');
    t.integer('on_hand').notNullable();
    t.integer('reserved').notNullable().defaultTo(0);
    t.integer('low_stock_threshold').notNullable().defaultTo(5);
    t.bigInteger('version').notNullable().defaultTo(1);
    t.text('status').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE inventory
      ADD COLUMN available integer GENERATED ALWAYS AS (on_hand - reserved) STORED,
      ADD CONSTRAINT inventory_on_hand_non_negative CHECK (on_hand >= 0),
      ADD CONSTRAINT inventory_reserved_non_negative CHECK (reserved >= 0),
      ADD CONSTRAINT inventory_reserved_within_on_hand CHECK (reserved <= on_hand),
      ADD CONSTRAINT inventory_threshold_non_negative CHECK (low_stock_threshold >= 0),
      ADD CONSTRAINT inventory_status_known CHECK (status IN ('in_stock', 'low_stock', 'out_of_stock'))`);

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable().unique();
    t.text('name').notNullable();
    t.text('password_hash').notNullable();
    t.text('role').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_known CHECK (role IN ('admin', 'sales', 'customer'))`);

  await knex.schema.createTable('sales', (t) => {
    t.uuid('id').primary();
    t.text('status').notNullable();
    t.text('customer_name').notNullable();
    t.text('customer_email').notNullable();
    t.uuid('customer_user_id').nullable().references('users.id');
    t.uuid('created_by').nullable().references('users.id');
    t.integer('subtotal').notNullable();
    t.decimal('discount', 5, 2).notNullable().defaultTo(0); // percent
    t.integer('total').notNullable();
    t.text('payment_method').nullable();
    t.text('payment_reference').nullable();
    t.text('cancel_reason').nullable();
    t.text('request_hash').notNullable(); // what was asked, to tell an idempotent retry from a different body
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.index(['status', 'created_at']);
    t.index(['customer_user_id', 'created_at']);
    t.index(['created_at']);
  });
  await knex.raw(`ALTER TABLE sales ADD CONSTRAINT sales_status_known CHECK (status IN ('RESERVED', 'COMPLETED', 'CANCELLED'))`);

  await knex.schema.createTable('sale_items', (t) => {
    t.uuid('sale_id').notNullable().references('sales.id').onDelete('CASCADE');
    t.text('product_id').notNullable().references('products.id');
    t.integer('quantity').notNullable().checkPositive('sale_items_quantity_positive');
    t.integer('unit_price').notNullable();
    t.primary(['sale_id', 'product_id']);
  });

  await knex.schema.createTable('stock_movements', (t) => {
    t.bigIncrements('id');
    t.text('product_id').notNullable().references('products.id');
    t.uuid('sale_id').nullable().references('sales.id');
    t.text('type').notNullable();
    t.integer('on_hand_delta').notNullable();
    t.integer('reserved_delta').notNullable();
    t.integer('on_hand_after').notNullable();
    t.integer('reserved_after').notNullable();
    t.integer('available_after').notNullable();
    t.text('status_before').notNullable();
    t.text('status_after').notNullable();
    t.bigInteger('version').notNullable(); // the inventory version this movement produced
    t.text('reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['product_id', 'version']);
    t.index(['sale_id']);
  });
  await knex.raw(`ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_type_known CHECK (type IN ('initial', 'reserve', 'release', 'sale', 'restock', 'adjust'))`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['stock_movements', 'sale_items', 'sales', 'users', 'inventory', 'products']) {
    await knex.schema.dropTableIfExists(table);
  }
}
