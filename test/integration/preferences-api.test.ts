/**
 * Preferences, delivery records and the unsubscribe link over the real API and database:
 * GET/PUT /me/preferences (role defaults, validation), GET /notifications/:id/deliveries (the
 * recipient only), GET /deliveries?status=failed (admins), and /unsubscribe (GET page, RFC 8058
 * one-click POST, the page's "all email", bad and expired tokens).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { signUnsubscribeToken, unsubscribeUrl } from '../../delivery/unsubscribe-links';
import { createTestContext, type TestContext } from '../helpers/context';
import { insertProduct } from '../helpers/events';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';

let ctx: TestContext;

interface Person {
  user: TestUser;
  token: string;
}

beforeAll(async () => {
  ctx = await createTestContext();
}, 60_000);

afterAll(async () => {
  await ctx.close();
});

async function person(role: 'customer' | 'sales' | 'admin', locale: 'es' | 'en' = 'es'): Promise<Person> {
  const user = await createUser(ctx.db, { role });
  await ctx.db('users').where({ id: user.id }).update({ locale });
  return { user, token: await tokenFor(ctx.app, user.email, user.password) };
}

/** the path and query of an unsubscribe link (supertest talks to the app, not PUBLIC_BASE_URL) */
async function linkPath(userId: string, scope: Parameters<typeof unsubscribeUrl>[0]['scope']): Promise<string> {
  const url = new URL(await unsubscribeUrl({ userId, scope }));
  return `${url.pathname}${url.search}`;
}

describe('GET/PUT /me/preferences', () => {
  test('role defaults: a customer gets immediate email for followed products and own sales; staff a daily digest', async () => {
    const customer = await person('customer');
    const res = await request(ctx.app).get('/me/preferences').set(bearer(customer.token)).expect(200);
    expect(res.body).toEqual({
      grid: { followed_stock: { in_app: 'immediate', email: 'immediate' }, own_sales: { in_app: 'immediate', email: 'immediate' } },
      email: true,
      mutedProducts: [],
      digest: { hour: 8, timeZone: 'Europe/Madrid' },
    });
    const sales = await person('sales');
    const staff = await request(ctx.app).get('/me/preferences').set(bearer(sales.token)).expect(200);
    expect(staff.body.grid).toEqual({
      stock_changes: { in_app: 'immediate', email: 'daily' },
      sales: { in_app: 'immediate', email: 'daily' },
      low_stock: { in_app: 'immediate', email: 'daily' },
    });
  });

  test('PUT changes what it names and keeps the rest; the change is what the consumers read', async () => {
    const customer = await person('customer');
    const res = await request(ctx.app).put('/me/preferences').set(bearer(customer.token)).send({ grid: { followed_stock: { email: 'off' } } }).expect(200);
    expect(res.body.grid).toEqual({ followed_stock: { in_app: 'immediate', email: 'off' }, own_sales: { in_app: 'immediate', email: 'immediate' } });
    expect(await ctx.db('notification_preferences').where({ user_id: customer.user.id }).select('category', 'channel', 'cadence')).toEqual([{ category: 'followed_stock', channel: 'email', cadence: 'off' }]);
    const off = await request(ctx.app).put('/me/preferences').set(bearer(customer.token)).send({ email: false }).expect(200);
    expect(off.body).toMatchObject({ email: false, grid: { followed_stock: { email: 'off' } } });
  });

  test('the daily digest goes out at a local hour in an IANA time zone; an unknown zone or hour is a 400 problem', async () => {
    const sales = await person('sales', 'en');
    const res = await request(ctx.app).put('/me/preferences').set(bearer(sales.token)).send({ digest: { hour: 18, timeZone: 'America/New_York' } }).expect(200);
    expect(res.body.digest).toEqual({ hour: 18, timeZone: 'America/New_York' });
    const hourOnly = await request(ctx.app).put('/me/preferences').set(bearer(sales.token)).send({ digest: { hour: 7 } }).expect(200);
    expect(hourOnly.body.digest).toEqual({ hour: 7, timeZone: 'America/New_York' });
    expect(await ctx.db('notification_digest_settings').where({ user_id: sales.user.id }).first('digest_hour', 'time_zone')).toEqual({ digest_hour: 7, time_zone: 'America/New_York' });

    const unknownZone = await request(ctx.app).put('/me/preferences').set(bearer(sales.token)).send({ digest: { timeZone: 'Mars/Olympus_Mons' } });
    expect(unknownZone.status).toBe(400);
    expect(unknownZone.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(unknownZone.body)).toMatch(/IANA time zone/);
    const badHour = await request(ctx.app).put('/me/preferences').set(bearer(sales.token)).send({ digest: { hour: 24 } });
    expect(badHour.status).toBe(400);
    expect((await request(ctx.app).get('/me/preferences').set(bearer(sales.token)).expect(200)).body.digest).toEqual({ hour: 7, timeZone: 'America/New_York' });
  });

  test('bad input is a 400 problem saying what is wrong', async () => {
    const customer = await person('customer');
    const staffCategory = await request(ctx.app).put('/me/preferences').set(bearer(customer.token)).send({ grid: { low_stock: { email: 'off' } } });
    expect(staffCategory.status).toBe(400);
    expect(staffCategory.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(staffCategory.body.detail).toMatch(/low_stock is not one of a customer's/);
    const inAppDigest = await request(ctx.app).put('/me/preferences').set(bearer(customer.token)).send({ grid: { own_sales: { in_app: 'daily' } } });
    expect(inAppDigest.status).toBe(400);
    expect(inAppDigest.body.detail).toMatch(/in-app notifications are off or immediate/);
    const unknownCadence = await request(ctx.app).put('/me/preferences').set(bearer(customer.token)).send({ grid: { own_sales: { email: 'weekly' } } });
    expect(unknownCadence.status).toBe(400);
    await request(ctx.app).get('/me/preferences').expect(401);
  });
});

describe('delivery records', () => {
  async function notificationWithDelivery(recipient: Person, status: string, lastError: string | null): Promise<number> {
    const [n] = (await ctx.db('notifications')
      .insert({ recipient_id: recipient.user.id, audience: 'customers', kind: 'sale', status: 'COMPLETED', title: 't', body: 'b', event_id: `test:${randomUUID()}` })
      .returning('id')) as { id: string }[];
    await ctx.db('deliveries').insert({ notification_id: n!.id, recipient_id: recipient.user.id, channel: 'email', category: 'own_sales', template: 'sale_completed', status, attempts: 3, last_error: lastError });
    return Number(n!.id);
  }

  test('the recipient sees a notification\'s deliveries; someone else gets 404', async () => {
    const owner = await person('customer');
    const other = await person('customer');
    const id = await notificationWithDelivery(owner, 'sent', null);
    const res = await request(ctx.app).get(`/notifications/${id}/deliveries`).set(bearer(owner.token)).expect(200);
    expect(res.body).toEqual([expect.objectContaining({ notificationId: id, channel: 'email', status: 'sent', attempts: 3, template: 'sale_completed', nextAttemptAt: null })]);
    await request(ctx.app).get(`/notifications/${id}/deliveries`).set(bearer(other.token)).expect(404);
    await request(ctx.app).get('/notifications/abc/deliveries').set(bearer(owner.token)).expect(400);
  });

  test('admins list failed deliveries; others may not', async () => {
    const owner = await person('customer');
    const admin = await person('admin');
    const id = await notificationWithDelivery(owner, 'failed', '550 mailbox unavailable');
    const res = await request(ctx.app).get('/deliveries?status=failed&limit=100').set(bearer(admin.token)).expect(200);
    expect(res.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ notificationId: id, status: 'failed', lastError: '550 mailbox unavailable' })]));
    expect(res.body.data.every((d: { status: string }) => d.status === 'failed')).toBe(true);
    await request(ctx.app).get('/deliveries?status=failed').set(bearer(owner.token)).expect(403);
    await request(ctx.app).get('/deliveries?status=lost').set(bearer(admin.token)).expect(400);
  });
});

describe('/unsubscribe', () => {
  test('GET shows a page in the user\'s language with a confirm button and "all email", and changes nothing', async () => {
    const customer = await person('customer', 'es');
    const productId = await insertProduct(ctx.db, { name: 'Silla <roja>' });
    const path = await linkPath(customer.user.id, { kind: 'product', productId });
    const page = await request(ctx.app).get(path).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('<html lang="es">');
    expect(page.text).toContain('Silla &lt;roja&gt;');
    expect(page.text).toContain('Confirmar la baja');
    expect(page.text).toContain('Darme de baja de todos los correos');
    expect(await ctx.db('email_product_mutes').where({ user_id: customer.user.id })).toEqual([]);

    const english = await person('customer', 'en');
    const enPage = await request(ctx.app).get(await linkPath(english.user.id, { kind: 'category', category: 'own_sales' })).expect(200);
    expect(enPage.text).toContain('You will stop getting emails about your purchases.');
  });

  test('one-click POST (RFC 8058) stops that product\'s email; the preferences show it', async () => {
    const customer = await person('customer');
    const productId = await insertProduct(ctx.db);
    const res = await request(ctx.app).post(await linkPath(customer.user.id, { kind: 'product', productId })).type('form').send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unsubscribed: { kind: 'product', productId } });
    const prefs = await request(ctx.app).get('/me/preferences').set(bearer(customer.token)).expect(200);
    expect(prefs.body).toMatchObject({ email: true, mutedProducts: [productId] });
    // and back again through PUT
    const back = await request(ctx.app).put('/me/preferences').set(bearer(customer.token)).send({ unmuteProducts: [productId] }).expect(200);
    expect(back.body.mutedProducts).toEqual([]);
  });

  test('staff leave a category; the page\'s "all email" stops all email', async () => {
    const sales = await person('sales', 'en');
    await request(ctx.app).post(await linkPath(sales.user.id, { kind: 'category', category: 'low_stock' })).type('form').send('List-Unsubscribe=One-Click').expect(200);
    let prefs = await request(ctx.app).get('/me/preferences').set(bearer(sales.token)).expect(200);
    expect(prefs.body.grid.low_stock).toEqual({ in_app: 'immediate', email: 'off' });
    expect(prefs.body.email).toBe(true);

    const done = await request(ctx.app).post(await linkPath(sales.user.id, { kind: 'category', category: 'sales' })).set('Accept', 'text/html').type('form').send('scope=all').expect(200);
    expect(done.text).toContain('you will get no more email');
    prefs = await request(ctx.app).get('/me/preferences').set(bearer(sales.token)).expect(200);
    expect(prefs.body.email).toBe(false);
  });

  test('a forged, expired or missing token is a 400 (problem+json for POST, a page for GET)', async () => {
    const customer = await person('customer');
    const forged = await signUnsubscribeToken({ userId: customer.user.id, scope: { kind: 'all' } }, { secret: 'x'.repeat(40) });
    const post = await request(ctx.app).post(`/unsubscribe?token=${forged}`).type('form').send('List-Unsubscribe=One-Click');
    expect(post.status).toBe(400);
    expect(post.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(post.body.detail).toBe('the unsubscribe link is not genuine');
    const expired = await signUnsubscribeToken({ userId: customer.user.id, scope: { kind: 'all' } }, { issuedAt: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 60 });
    const late = await request(ctx.app).post(`/unsubscribe?token=${expired}`).type('form').send('List-Unsubscribe=One-Click');
    expect(late.status).toBe(400);
    expect(late.body.detail).toBe('the unsubscribe link has expired');
    const page = await request(ctx.app).get(`/unsubscribe?token=${expired}`).set('Accept-Language', 'en').expect(400);
    expect(page.text).toContain('This unsubscribe link is invalid or has expired');
    await request(ctx.app).post('/unsubscribe').type('form').send('List-Unsubscribe=One-Click').expect(400);
    expect(await ctx.db('notification_preferences').where({ user_id: customer.user.id })).toEqual([]);
  });
});
