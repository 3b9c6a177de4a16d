/**
 * A user's notification preferences: the role defaults (delivery/preferences.ts) with the user's
 * own rows over them, "all email off", and the products whose emails they left. Writing is an
 * upsert per (category, channel); the notify consumers read the same rows when they queue
 * deliveries, so a change counts from the next notification on.
 */
import type { Knex } from 'knex';
import { getConfig } from '../../shared/config';
import { AppError } from '../../shared/errors';
import { ALL_EMAIL, categoriesFor, defaultsFor, type Cadence, type Category, type Channel, type Grid, type Role } from '../../delivery/preferences';
import type { UnsubscribeRequest } from '../../delivery/unsubscribe-links';

export interface PreferencesView {
  /** category → channel → cadence, for the categories of the user's role */
  grid: Grid;
  /** false: no email at all, whatever the grid says */
  email: boolean;
  /** products whose emails the user left (unsubscribe link) */
  mutedProducts: string[];
  /** when the daily digest goes out: a local hour in an IANA time zone (hourly digests: every full hour) */
  digest: DigestTime;
}

export interface DigestTime {
  hour: number;
  timeZone: string;
}

export interface PreferencesChange {
  grid?: Partial<Record<Category, Partial<Record<Channel, Cadence>>>>;
  email?: boolean;
  /** products whose emails come back */
  unmuteProducts?: string[];
  digest?: Partial<DigestTime>;
}

interface PreferenceRow {
  category: string;
  channel: Channel;
  cadence: Cadence;
}

export async function getPreferences(db: Knex, userId: string, role: Role): Promise<PreferencesView> {
  const rows: PreferenceRow[] = await db('notification_preferences').where({ user_id: userId }).select('category', 'channel', 'cadence');
  const grid: Grid = {};
  for (const category of categoriesFor(role)) {
    const cell = { ...defaultsFor(role)[category]! };
    for (const row of rows) if (row.category === category) cell[row.channel] = row.cadence;
    grid[category] = cell;
  }
  const allOff = rows.some((r) => r.category === ALL_EMAIL && r.channel === 'email' && r.cadence === 'off');
  const muted: { product_id: string }[] = await db('email_product_mutes').where({ user_id: userId }).orderBy('product_id').select('product_id');
  return { grid, email: !allOff, mutedProducts: muted.map((m) => m.product_id), digest: await digestTime(db, userId) };
}

async function digestTime(db: Knex, userId: string): Promise<DigestTime> {
  const { defaultHour, defaultTimeZone } = getConfig().digests;
  const own: { digest_hour: number | null; time_zone: string | null } | undefined = await db('notification_digest_settings').where({ user_id: userId }).first('digest_hour', 'time_zone');
  return { hour: own?.digest_hour ?? defaultHour, timeZone: own?.time_zone ?? defaultTimeZone };
}

/** The digests' windows are computed by PostgreSQL: the zone must be one its time zone database knows too. */
async function assertKnownTimeZone(db: Knex, timeZone: string): Promise<void> {
  const known = await db.raw<{ rows: unknown[] }>('SELECT 1 FROM pg_timezone_names WHERE name = ?', [timeZone]);
  if (known.rows.length === 0) throw AppError.badRequest(`${timeZone} is not an IANA time zone this service knows (e.g. Europe/Madrid)`, { field: 'digest.timeZone' });
}

export async function updatePreferences(db: Knex, userId: string, role: Role, change: PreferencesChange): Promise<PreferencesView> {
  const own = new Set<string>(categoriesFor(role));
  const rows: (PreferenceRow & { user_id: string })[] = [];
  for (const [category, cell] of Object.entries(change.grid ?? {})) {
    if (!own.has(category)) throw AppError.badRequest(`category ${category} is not one of a ${role}'s: ${[...own].join(', ')}`, { category });
    for (const [channel, cadence] of Object.entries(cell ?? {}) as [Channel, Cadence][]) {
      if (channel === 'in_app' && cadence !== 'off' && cadence !== 'immediate') throw AppError.badRequest(`in-app notifications are off or immediate, not ${cadence}`, { category, channel });
      rows.push({ user_id: userId, category, channel, cadence });
    }
  }
  if (change.email !== undefined) rows.push({ user_id: userId, category: ALL_EMAIL, channel: 'email', cadence: change.email ? 'immediate' : 'off' });
  const digest = change.digest ?? {};
  if (digest.timeZone !== undefined) await assertKnownTimeZone(db, digest.timeZone);
  await db.transaction(async (trx) => {
    if (digest.hour !== undefined || digest.timeZone !== undefined) {
      const set = { ...(digest.hour !== undefined && { digest_hour: digest.hour }), ...(digest.timeZone !== undefined && { time_zone: digest.timeZone }) };
      await trx('notification_digest_settings').insert({ user_id: userId, ...set, updated_at: trx.fn.now() }).onConflict('user_id').merge([...Object.keys(set), 'updated_at']);
    }
    if (rows.length > 0) await trx('notification_preferences').insert(rows.map((r) => ({ ...r, updated_at: trx.fn.now() }))).onConflict(['user_id', 'category', 'channel']).merge(['cadence', 'updated_at']);
    if (change.unmuteProducts?.length) await trx('email_product_mutes').where({ user_id: userId }).whereIn('product_id', change.unmuteProducts).delete();
  });
  return getPreferences(db, userId, role);
}

/**
 * What an unsubscribe link asks for: no more email about one product, one category, or at all.
 * Idempotent. 404 when the user is gone (deleted): the link has nothing left to stop.
 */
export async function unsubscribe(db: Knex, { userId, scope }: UnsubscribeRequest): Promise<void> {
  const user: { id: string } | undefined = await db('users').where({ id: userId }).whereNull('deleted_at').first('id');
  if (!user) throw AppError.notFound('this unsubscribe link belongs to an account that no longer exists');
  if (scope.kind === 'product') {
    await db('email_product_mutes').insert({ user_id: userId, product_id: scope.productId }).onConflict(['user_id', 'product_id']).ignore();
    return;
  }
  const category = scope.kind === 'all' ? ALL_EMAIL : scope.category;
  await db('notification_preferences')
    .insert({ user_id: userId, category, channel: 'email', cadence: 'off', updated_at: db.fn.now() })
    .onConflict(['user_id', 'category', 'channel'])
    .merge(['cadence', 'updated_at']);
}

/** What the unsubscribe page says: the recipient's language and, for a product link, its name. */
export async function unsubscribeContext(db: Knex, { userId, scope }: UnsubscribeRequest): Promise<{ locale: 'es' | 'en'; productName?: string } | undefined> {
  const user: { locale: 'es' | 'en' } | undefined = await db('users').where({ id: userId }).whereNull('deleted_at').first('locale');
  if (!user) return undefined;
  if (scope.kind !== 'product') return { locale: user.locale };
  const product: { name: string } | undefined = await db('products').where({ id: scope.productId }).first('name');
  return { locale: user.locale, productName: product?.name };
}
