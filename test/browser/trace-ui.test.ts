/**
 * Issue #16: one sale's trace, as a person sees it in the trace backend's UI (the stack's Zipkin):
 * the API, the worker and the consumers in one tree. The screenshot (.artifacts/trace.png) is the
 * one README "Tracing" shows.
 */
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createDb } from '../../shared/db';
import { createProduct } from '../helpers/catalog';
import { eventually } from '../helpers/events';
import { participants, startTracedApp, zipkinBaseUrl, zipkinTrace, type TracedApp } from '../helpers/traced-app';
import { createUser } from '../helpers/users';
import { CHROMIUM, CHROMIUM_ARGS } from './harness';

const db = createDb();
let app: TracedApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTracedApp();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await db.destroy();
});

test("Zipkin's UI shows one sale's trace across the API, the worker and the consumers", async () => {
  const staff = await createUser(db, { role: 'admin', locale: 'en' });
  const post = (path: string, body: unknown, token?: string, method = 'POST') =>
    fetch(`${app.apiUrl}${path}`, { method, headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const { token } = (await (await post('/auth/login', { email: staff.email, password: staff.password })).json()) as { token: string };
  const productId = await createProduct(db, 5);
  const created = await post('/sales', { customerName: 'Ana Traced', customerEmail: 'ana@example.com', items: [{ productId, quantity: 1 }], discount: 0 }, token);
  expect(created.status).toBe(201);
  const traceId = created.headers.get('x-trace-id')!;
  const { id } = (await created.json()) as { id: string };
  expect((await post(`/sales/${id}/status`, { status: 'COMPLETED', paymentMethod: 'CASH' }, token, 'PATCH')).status).toBe(200);
  // the saga's workflow span is in, and the reservation's event reached the consumers (the PATCH's
  // events are in the PATCH's own trace: test/integration/tracing.test.ts)
  await eventually(async () => {
    const spans = await zipkinTrace(traceId);
    return spans.some((s) => /^runworkflow:/.test(s.name ?? '')) && spans.some((s) => /^sale\.created process /.test(s.name ?? '')) ? spans : undefined;
  }, 45_000, 'the whole sale in Zipkin');
  const services = participants(await zipkinTrace(traceId)).services;
  expect(services).toEqual(['sales-saga-api', 'sales-saga-consumers', 'sales-saga-worker']);

  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  await page.goto(`${zipkinBaseUrl()}/zipkin/traces/${traceId}`);
  // the trace view lists each service's spans by name once it has loaded the trace
  for (const service of services) await page.getByText(service, { exact: false }).first().waitFor({ timeout: 30_000 });
  await page.getByText('runactivity:reservesaleandpublish', { exact: false }).first().waitFor();
  await page.screenshot({ path: join(__dirname, '..', '..', '.artifacts', 'trace.png'), fullPage: false });
  await context.close();
}, 150_000);
