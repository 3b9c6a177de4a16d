/**
 * Issue #6, in a real browser on a desktop-sized window: staff complete a reserved sale from the
 * page and see its new status; an action the saga no longer allows (completing a sale that was
 * cancelled elsewhere) shows the API's own message; an expired session sends the user back to the
 * login form saying why.
 */
import { signToken } from '../../api/auth/tokens';
import { getConfig } from '../../shared/config';
import { createProduct } from '../helpers/catalog';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';
import { logIn, screenshot, unexpectedProblems, useBrowserEnv } from './harness';

const env = useBrowserEnv();
let staff: TestUser;
let customer: TestUser;
let customerToken: string;

beforeAll(async () => {
  staff = await createUser(env.db, { role: 'sales', locale: 'en' });
  customer = await createUser(env.db, { role: 'customer', locale: 'en' });
  customerToken = await tokenFor(env.ctx.app, customer.email, customer.password);
}, 120_000);

interface SaleBody {
  id: string;
  status: string;
  workflowId: string;
  paymentMethod: string | null;
  paymentReference: string | null;
}

async function call<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${env.url}${path}`, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function reserve(productId: string, quantity: number): Promise<SaleBody> {
  const res = await call<SaleBody>('POST', '/sales', customerToken, { items: [{ productId, quantity }] });
  expect(res.status).toBe(201);
  return res.body;
}

test('staff complete a reserved sale from the page; an illegal transition shows the API message', async () => {
  const productId = await createProduct(env.db, 10, { price: 4599 });
  const toComplete = await reserve(productId, 2);
  const cancelledElsewhere = await reserve(productId, 1);

  const { page, problems } = await env.newPage();
  await page.goto(env.url);
  await logIn(page, staff);
  await page.getByRole('heading', { name: 'All sales' }).waitFor();

  const row = page.locator(`li[data-sale-id="${toComplete.id}"]`);
  await row.waitFor();
  expect(await row.locator('.badge').textContent()).toBe('Reserved');
  expect(await row.locator('.total strong').textContent()).toBe('91.98');
  expect(await row.locator('.countdown').textContent()).toMatch(/^\d+:\d{2}(:\d{2})?$/);
  const { uiUrl, namespace } = getConfig().temporal;
  expect(await row.getByRole('link', { name: /Saga in Temporal UI/ }).getAttribute('href')).toBe(`${uiUrl}/namespaces/${namespace}/workflows/sale-${toComplete.id}`);

  // complete it: payment method and reference, as at a till
  await row.getByLabel('Payment method').selectOption('CREDIT_CARD');
  await row.getByLabel('Reference (optional)').fill('POS-1234');
  await row.getByRole('button', { name: 'Complete' }).click();
  const done = page.locator(`li[data-sale-id="${toComplete.id}"][data-status="COMPLETED"]`);
  await done.waitFor();
  expect(await done.locator('.badge').textContent()).toBe('Completed');
  expect(await done.locator('.outcome').textContent()).toBe('Paid by Credit card · reference POS-1234');
  expect(await done.getByRole('button', { name: 'Complete' }).count()).toBe(0);
  const stored = await call<SaleBody>('GET', `/sales/${toComplete.id}`, customerToken);
  expect(stored.body).toMatchObject({ status: 'COMPLETED', paymentMethod: 'CREDIT_CARD', paymentReference: 'POS-1234' });
  await screenshot(page, 'staff-sale-completed');

  // the customer cancels the other sale elsewhere; the page still offers to complete it
  const cancel = await call<SaleBody>('PATCH', `/sales/${cancelledElsewhere.id}/status`, customerToken, { status: 'CANCELLED', reason: 'changed my mind' });
  expect(cancel.status).toBe(200);
  const stale = page.locator(`li[data-sale-id="${cancelledElsewhere.id}"]`);
  expect(await stale.locator('.badge').textContent()).toBe('Reserved');
  await stale.getByRole('button', { name: 'Complete' }).click();

  const alert = page.locator(`li[data-sale-id="${cancelledElsewhere.id}"]`).getByRole('alert');
  await alert.waitFor();
  // the API's answer to the same request, word for word
  const refused = await call<{ title: string; detail: string }>('PATCH', `/sales/${cancelledElsewhere.id}/status`, await tokenFor(env.ctx.app, staff.email, staff.password), { status: 'COMPLETED', paymentMethod: 'CASH' });
  expect(refused.status).toBe(409);
  expect(await alert.textContent()).toBe(`${refused.body.title}: ${refused.body.detail}`);
  expect(refused.body.detail).toMatch(/cannot complete a cancelled sale/);
  // and the sale now shows where it really is
  await page.locator(`li[data-sale-id="${cancelledElsewhere.id}"][data-status="CANCELLED"]`).waitFor();
  await screenshot(page, 'staff-illegal-transition');

  expect(unexpectedProblems(problems, [409])).toEqual([]);
});

test('an expired session goes back to the login form and says so', async () => {
  const { page, problems } = await env.newPage({ width: 390, height: 844 });
  const expired = await signToken({ id: staff.id, email: staff.email, name: staff.name, role: staff.role }, { ttlSeconds: 60, issuedAt: Math.floor(Date.now() / 1000) - 3600 });
  await page.goto(env.url);
  await page.evaluate(`sessionStorage.setItem('sales-saga.token', ${JSON.stringify(expired.token)})`);
  await page.reload();
  const alert = page.getByRole('alert').filter({ hasText: 'session has ended' });
  await alert.waitFor();
  expect(await alert.textContent()).toBe('Your session has ended (token expired). Please log in again.');

  // wrong password: the API's 401, readable
  await page.getByLabel('Email').fill(staff.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'invalid email or password' }).waitFor();
  expect(await page.getByRole('alert').textContent()).toBe('Unauthorized: invalid email or password');
  await screenshot(page, 'login-401-phone');

  expect(unexpectedProblems(problems, [401])).toEqual([]);
});

test('customers get no link to the Temporal Web UI (it has no login and lists every customer)', async () => {
  const productId = await createProduct(env.db, 5);
  const sale = await reserve(productId, 1);
  const { page, problems } = await env.newPage();
  await page.goto(env.url);
  await logIn(page, customer);
  // the positive marker: the customer's own sale is on screen, with its actions
  const row = page.locator(`li[data-sale-id="${sale.id}"]`);
  await row.getByRole('button', { name: /^Cancel sale/ }).waitFor();
  expect(await row.locator('a.saga').count()).toBe(0);
  expect(await page.getByRole('link', { name: /Temporal/ }).count()).toBe(0);
  expect(unexpectedProblems(problems, [])).toEqual([]);
});
