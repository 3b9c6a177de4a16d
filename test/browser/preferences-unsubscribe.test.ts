/**
 * Issue #13 in a real browser: a customer logs in, switches the page to Spanish (stock reads
 * "agotado" / "en stock"), changes a preference and the daily digest's hour and time zone in the
 * panel (an unknown zone is refused with the API's message) and saves them; a reload shows them kept
 * and GET /me/preferences agrees. Then a followed product comes back in stock: the email arrives
 * (read from the local SMTP server), its unsubscribe link opens in the browser (the page with a
 * confirm button), confirming stops that product's email. A second round of back-in-stock events
 * then mails the other followed product (the positive marker) and not the unsubscribed one.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDeliveryWorker, type DeliveryWorker } from '../../delivery/worker';
import { logger } from '../../shared/logger';
import { createProduct } from '../helpers/catalog';
import { eventually, publish, stockChanged } from '../helpers/events';
import { headerOf, listMessages, rawSource, waitForMessage } from '../helpers/mailbox';
import { bearer, createUser, tokenFor } from '../helpers/users';
import { logIn, startBrowserEnv, unexpectedProblems, type BrowserEnv } from './harness';

const ARTIFACTS = join(__dirname, '..', '..', '.artifacts');

let env: BrowserEnv;
let delivery: DeliveryWorker;

beforeAll(async () => {
  env = await startBrowserEnv({ consumers: ['notify-customers'] });
  delivery = createDeliveryWorker({ db: env.db, log: logger().child({ component: 'delivery-test' }), settings: { pollMs: 100 } });
  delivery.start();
}, 120_000);

afterAll(async () => {
  await delivery?.stop();
  await env?.close();
});

/** The product is really back on the shelf (the worker re-checks it at send time), and the event says so. */
async function backInStock(productId: string, version: number): Promise<void> {
  await env.db('inventory').where({ product_id: productId }).update({ on_hand: 5, status: 'in_stock', version });
  await publish(env.ctx.deps.producer, stockChanged(productId, version, 'out_of_stock', 'in_stock'));
}

async function outOfStock(productId: string, version: number): Promise<void> {
  await env.db('inventory').where({ product_id: productId }).update({ on_hand: 0, status: 'out_of_stock', version });
  await publish(env.ctx.deps.producer, stockChanged(productId, version, 'in_stock', 'out_of_stock'));
}

test('Spanish page, a preference saved and kept, an email unsubscribed in the browser: that product mails no more, another still does', async () => {
  const customer = await createUser(env.db, { role: 'customer', locale: 'en' });
  const token = await tokenFor(env.ctx.app, customer.email, customer.password);
  const lamp = await createProduct(env.db, 0); // out of stock
  const chair = await createProduct(env.db, 0);
  const desk = await createProduct(env.db, 8); // in stock
  const tag = lamp.slice(-6);
  const names = { [lamp]: `Lámpara ${tag}`, [chair]: `Silla ${tag}`, [desk]: `Mesa ${tag}` };
  for (const [id, name] of Object.entries(names)) await env.db('products').where({ id }).update({ name });
  for (const id of [lamp, chair]) expect((await fetch(`${env.url}/products/${id}/follow`, { method: 'POST', headers: bearer(token) })).status).toBe(201);

  const { page, problems } = await env.newPage();
  await page.goto(env.url);
  await logIn(page, customer);

  // the language switch: PATCH /me, the page is drawn again in Spanish
  await page.getByLabel('Language').selectOption('es');
  await page.getByRole('heading', { name: 'Productos', exact: true }).waitFor();
  expect((await env.db('users').where({ id: customer.id }).first('locale')).locale).toBe('es');
  await page.getByLabel('Filtrar productos').fill(tag);
  await page.locator(`li[data-product-id="${lamp}"] .badge`).filter({ hasText: /^agotado$/i }).waitFor();
  await page.locator(`li[data-product-id="${desk}"] .badge`).filter({ hasText: /^en stock$/i }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('es');

  // the panel: the grid of the customer's categories and the products followed
  const panel = page.getByRole('region', { name: 'Preferencias de notificación' });
  await panel.locator(`li[data-followed-product="${lamp}"]`).waitFor();
  expect(await panel.locator('li[data-followed-product]').count()).toBe(2);
  const ownSalesEmail = panel.getByLabel('Mis compras: Correo');
  expect(await ownSalesEmail.inputValue()).toBe('immediate');
  await ownSalesEmail.selectOption('daily');
  // the daily digest's local hour and time zone (defaults: 8 in Europe/Madrid)
  const hour = panel.getByLabel('Hora (0–23)');
  const zone = panel.getByLabel('Zona horaria');
  expect([await hour.inputValue(), await zone.inputValue()]).toEqual(['8', 'Europe/Madrid']);
  await hour.fill('19');
  // a zone the API does not know: its 400 is shown, nothing is saved
  await zone.fill('Mars/Olympus_Mons');
  await panel.getByRole('button', { name: 'Guardar preferencias' }).click();
  await panel.getByRole('alert').filter({ hasText: /IANA/ }).waitFor();
  expect((await env.db('notification_digest_settings').where({ user_id: customer.id })).length).toBe(0);
  await zone.fill('America/Mexico_City');
  await panel.getByRole('button', { name: 'Guardar preferencias' }).click();
  await panel.getByText('Preferencias guardadas.').waitFor();
  mkdirSync(ARTIFACTS, { recursive: true });
  await panel.screenshot({ path: join(ARTIFACTS, 'preferences-panel.png') });

  await page.reload();
  await page.getByRole('heading', { name: 'Productos', exact: true }).waitFor();
  const reloaded = page.getByRole('region', { name: 'Preferencias de notificación' });
  await eventually(async () => (await reloaded.getByLabel('Mis compras: Correo').inputValue().catch(() => '')) === 'daily', 10_000, 'the saved cadence shown after a reload');
  await eventually(async () => (await reloaded.getByLabel('Zona horaria').inputValue().catch(() => '')) === 'America/Mexico_City', 10_000, 'the saved zone shown after a reload');
  expect(await reloaded.getByLabel('Hora (0–23)').inputValue()).toBe('19');
  const prefs = (await (await fetch(`${env.url}/me/preferences`, { headers: bearer(token) })).json()) as { grid: Record<string, { email: string }>; mutedProducts: string[]; digest: { hour: number; timeZone: string } };
  expect(prefs.digest).toEqual({ hour: 19, timeZone: 'America/Mexico_City' });
  expect(prefs.grid.own_sales?.email).toBe('daily');
  expect(prefs.grid.followed_stock?.email).toBe('immediate');

  // the lamp is back: an immediate email in Spanish with its unsubscribe link
  await backInStock(lamp, 2);
  const mail = await waitForMessage(customer.email, (m) => m.subject.includes(names[lamp]!), { timeoutMs: 20_000 });
  expect(mail.subject).toBe(`${names[lamp]} vuelve a estar disponible`);
  const link = /^<(.+)>$/.exec(headerOf(await rawSource(mail.id), 'List-Unsubscribe') ?? '')?.[1];
  expect(link).toMatch(/\/unsubscribe\?token=/);
  // PUBLIC_BASE_URL is the configured address; this test's API listens on a port of its own
  const unsubscribeUrl = new URL(link!);
  await page.goto(`${env.url}${unsubscribeUrl.pathname}${unsubscribeUrl.search}`);
  await page.getByText(`Dejarás de recibir correos sobre ${names[lamp]}.`).waitFor();
  await page.getByRole('button', { name: 'Confirmar la baja' }).click();
  await page.getByText(`Listo: ya no recibirás correos sobre ${names[lamp]}.`).waitFor();
  const after = (await (await fetch(`${env.url}/me/preferences`, { headers: bearer(token) })).json()) as { mutedProducts: string[] };
  expect(after.mutedProducts).toEqual([lamp]);

  // the panel shows the stop, with a way back
  await page.goto(env.url);
  await page.locator(`li[data-muted-product="${lamp}"]`).waitFor();

  // round two: both followed products go out and come back
  await outOfStock(lamp, 3);
  await backInStock(lamp, 4);
  await backInStock(chair, 2);
  // the marker: the chair's email arrives, and the lamp's round-two notification is committed (its email decision with it)
  await waitForMessage(customer.email, (m) => m.subject.includes(names[chair]!), { timeoutMs: 20_000 });
  const lampAgain = await eventually(
    async () => (await env.db('notifications').where({ recipient_id: customer.id, event_id: stockChanged(lamp, 4, 'out_of_stock', 'in_stock').event_id }).first('id')) as { id: string } | undefined,
    20_000,
    "the lamp's second back-in-stock notification",
  );
  expect(await env.db('deliveries').where({ notification_id: lampAgain.id })).toEqual([]);
  const lampMails = (await listMessages(customer.email)).filter((m) => m.subject.includes(names[lamp]!));
  expect(lampMails).toHaveLength(1);
  // the one refusal: the unknown time zone's 400
  expect(unexpectedProblems(problems, [400])).toEqual([]);
  expect(problems.filter((p) => p.includes('status of 400'))).toHaveLength(1);
}, 120_000);
