/**
 * Who gets which notification on which channel, and how often: a grid of categories × channels per
 * user. Role defaults live here (code, not rows); `notification_preferences` holds only what a user
 * changed. A notification's category follows from its audience and content (categoryOf), its email
 * template from what happened (templateOf).
 *
 * Defaults a shop would choose: customers hear about their followed products and their own sales
 * in the inbox and by email at once (for followed products only "back in stock" is worth an email:
 * every other change stays in the inbox); staff see everything in the inbox at once and get email
 * as a daily digest (delivery/digests.ts; the consumers queue only immediate email).
 */
import { z } from 'zod';

export const CATEGORIES = ['followed_stock', 'own_sales', 'stock_changes', 'sales', 'low_stock'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CHANNELS = ['in_app', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CADENCES = ['off', 'immediate', 'hourly', 'daily'] as const;
export type Cadence = (typeof CADENCES)[number];
export type Role = 'customer' | 'sales' | 'admin';

/** a preferences row with this category and channel email, cadence off, means "no email at all" */
export const ALL_EMAIL = 'all';

export const cadenceSchema = z.enum(CADENCES);
export const categorySchema = z.enum(CATEGORIES);

export type Grid = Partial<Record<Category, Record<Channel, Cadence>>>;

const CUSTOMER: Grid = {
  followed_stock: { in_app: 'immediate', email: 'immediate' },
  own_sales: { in_app: 'immediate', email: 'immediate' },
};
const STAFF: Grid = {
  stock_changes: { in_app: 'immediate', email: 'daily' },
  sales: { in_app: 'immediate', email: 'daily' },
  low_stock: { in_app: 'immediate', email: 'daily' },
};

export function defaultsFor(role: Role): Grid {
  return role === 'customer' ? CUSTOMER : STAFF;
}

/** the categories a role has (a customer has no staff categories and the other way round) */
export function categoriesFor(role: Role): Category[] {
  return Object.keys(defaultsFor(role)) as Category[];
}

export const TEMPLATES = ['back_in_stock', 'in_stock', 'low_stock', 'out_of_stock', 'sale_reserved', 'sale_completed', 'sale_cancelled'] as const;
export type Template = (typeof TEMPLATES)[number];

export type Audience = 'admin' | 'sales' | 'customers';

export interface NotificationFacts {
  kind: 'inventory' | 'sale';
  /** stock status (inventory) or sale status (sale) */
  status: string;
  /** inventory: the status the change is measured from */
  from?: string | null;
}

export function categoryOf(audience: Audience, facts: NotificationFacts): Category {
  if (audience === 'customers') return facts.kind === 'inventory' ? 'followed_stock' : 'own_sales';
  if (facts.kind === 'sale') return 'sales';
  return facts.status === 'low_stock' || facts.status === 'out_of_stock' ? 'low_stock' : 'stock_changes';
}

const SALE_TEMPLATES: Record<string, Template> = { RESERVED: 'sale_reserved', COMPLETED: 'sale_completed', CANCELLED: 'sale_cancelled' };

/** The email template for a notification; undefined: nothing an email is written for (e.g. a free-text reported status). */
export function templateOf(facts: NotificationFacts): Template | undefined {
  if (facts.kind === 'sale') return SALE_TEMPLATES[facts.status];
  const available = facts.status === 'in_stock' || facts.status === 'low_stock';
  if (available && facts.from === 'out_of_stock') return 'back_in_stock';
  if (facts.status === 'in_stock' || facts.status === 'low_stock' || facts.status === 'out_of_stock') return facts.status;
  return undefined;
}

/** Whether a category's email is ever written for this template (followed products: back in stock only). */
export function emailWorthy(category: Category, template: Template): boolean {
  return category !== 'followed_stock' || template === 'back_in_stock';
}

export const AUDIENCE_ROLE: Record<Audience, Role> = { admin: 'admin', sales: 'sales', customers: 'customer' };

/**
 * categoryOf in SQL, over a notifications row aliased `n` (digests select notifications by the
 * cadence of their category). Keep the two in step; test/integration/email-digests.test.ts checks
 * that they agree on every audience × kind × status.
 */
export const CATEGORY_SQL = `(CASE WHEN n.audience = 'customers' THEN (CASE WHEN n.kind = 'inventory' THEN 'followed_stock' ELSE 'own_sales' END)
  WHEN n.kind = 'sale' THEN 'sales'
  WHEN n.status IN ('low_stock', 'out_of_stock') THEN 'low_stock'
  ELSE 'stock_changes' END)`;

/** every role's default email cadence per category, as SQL VALUES rows `(role, category, cadence)` with their bindings */
export function defaultEmailCadencesSql(): { sql: string; bindings: string[] } {
  const rows: string[][] = [];
  for (const role of ['customer', 'sales', 'admin'] as const) {
    for (const [category, cell] of Object.entries(defaultsFor(role))) rows.push([role, category, cell.email]);
  }
  return { sql: `(VALUES ${rows.map(() => '(?, ?, ?)').join(', ')})`, bindings: rows.flat() };
}
