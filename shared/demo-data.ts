/**
 * Demo catalog and users for a first look (SEED_DEMO_DATA; on by default in development, refused in
 * production by shared/config.ts). Idempotent: rows that exist are left alone, so a restart never
 * resets stock that sales have since moved.
 */
import type { Knex } from 'knex';
import { hashPassword } from './passwords';
import type { Role } from '../api/auth/types';
import { stockStatusFor } from './events';

const LOW_STOCK_THRESHOLD = 5;

export const DEMO_PRODUCTS = [
  { id: '1', name: 'Wireless mouse', price: 2599, stock: 25 },
  { id: '2', name: 'Mechanical keyboard', price: 8999, stock: 8 },
  { id: '3', name: 'USB-C hub', price: 4599, stock: 3 },
  { id: '4', name: '27-inch monitor', price: 28999, stock: 12 },
  { id: '5', name: 'Laptop stand', price: 3499, stock: 0 },
  { id: '6', name: 'Webcam', price: 5999, stock: 40 },
] as const;

export interface DemoUser {
  email: string;
  name: string;
  role: Role;
}

/** Who can log in with the demo password (listed in the README and on the login page). */
export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'admin@example.com', name: 'Ada Admin', role: 'admin' },
  { email: 'sales@example.com', name: 'Sam Sales', role: 'sales' },
  { email: 'customer@example.com', name: 'Carla Customer', role: 'customer' },
  { email: 'customer2@example.com', name: 'Cody Customer', role: 'customer' },
];

export const demoSku = (id: string): string => `SKU-${id.padStart(4, '0')}`;

/** Returns how many products and users were inserted (0 and 0 when the demo data was already there). */
export async function seedDemoData(knex: Knex, password: string): Promise<{ products: number; users: number }> {
  // hashed before the transaction: scrypt is slow on purpose and need not hold a connection
  const users = await Promise.all(DEMO_USERS.map(async (u) => ({ ...u, password_hash: await hashPassword(password) })));

  return knex.transaction(async (trx) => {
    const inserted = (await trx('products')
      .insert(DEMO_PRODUCTS.map((p) => ({ id: p.id, sku: demoSku(p.id), name: p.name, price: p.price })))
      .onConflict()
      .ignore()
      .returning('id')) as { id: string }[];
    const fresh = new Set(inserted.map((r) => r.id));
    // inventory and ledger only for products this call created: an existing product keeps its history
    const newProducts = DEMO_PRODUCTS.filter((p) => fresh.has(p.id));
    if (newProducts.length > 0) {
      await trx('inventory')
        .insert(
          newProducts.map((p) => ({
            product_id: p.id,
            on_hand: p.stock,
            reserved: 0,
            low_stock_threshold: LOW_STOCK_THRESHOLD,
            version: 1,
            status: stockStatusFor(p.stock, LOW_STOCK_THRESHOLD),
          })),
        )
        .onConflict('product_id')
        .ignore();
      await trx('stock_movements')
        .insert(
          newProducts.map((p) => ({
            product_id: p.id,
            type: 'initial',
            on_hand_delta: p.stock,
            reserved_delta: 0,
            on_hand_after: p.stock,
            reserved_after: 0,
            available_after: p.stock,
            status_before: 'out_of_stock',
            status_after: stockStatusFor(p.stock, LOW_STOCK_THRESHOLD),
            version: 1,
            reason: 'demo data',
          })),
        )
        .onConflict(['product_id', 'version'])
        .ignore();
    }
    const newUsers = (await trx('users')
      .insert(users.map((u) => ({ email: u.email, name: u.name, role: u.role, password_hash: u.password_hash })))
      // the index that keeps live emails unique (migrations/20261202140000_accounts.ts)
      .onConflict(trx.raw('(lower(email)) WHERE deleted_at IS NULL'))
      .ignore()
      .returning('id')) as { id: string }[];
    return { products: newProducts.length, users: newUsers.length };
  });
}
