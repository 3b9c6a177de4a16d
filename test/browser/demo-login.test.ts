/**
 * Issue #6: the page as a newcomer meets it in development. With demo data on (as `npm start`
 * has it), /ui-config lists the demo users and the login form offers them; one click logs in.
 * Also: how the page is served (its security headers, cacheable assets, the config document).
 */
// before anything reads the configuration: this file runs as development does (jest gives each
// test file its own copy of process.env)
process.env.SEED_DEMO_DATA = 'true';

import request from 'supertest';
import { getConfig } from '../../shared/config';
import { DEMO_USERS, seedDemoData } from '../../shared/demo-data';
import { screenshot, unexpectedProblems, useBrowserEnv } from './harness';

const env = useBrowserEnv();

beforeAll(async () => {
  await seedDemoData(env.db, getConfig().demo.password);
}, 120_000);

test('GET /ui-config: the Temporal UI and, with demo data, the demo users and the default password', async () => {
  const res = await request(env.ctx.app).get('/ui-config');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    temporalUiUrl: getConfig().temporal.uiUrl,
    namespace: getConfig().temporal.namespace,
    demoUsers: DEMO_USERS.map(({ email, name, role }) => ({ email, name, role })),
    demoPasswordHint: 'demo-password',
  });
});

test('the page is served at / with a strict CSP; its hashed assets are cacheable', async () => {
  const page = await request(env.ctx.app).get('/');
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  expect(page.headers['cache-control']).toBe('no-cache');
  const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
  expect(script).toBeDefined();
  const asset = await request(env.ctx.app).get(script!);
  expect(asset.status).toBe(200);
  expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  // API routes are not shadowed by the static files
  expect((await request(env.ctx.app).get('/products')).status).toBe(401);
});

test('the page routes are documented: the stock stream and /ui-config, with their own component names', async () => {
  const doc = (await request(env.ctx.app).get('/openapi.json')).body as {
    paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  expect(doc.paths['/products/stream']?.get?.responses['200']?.content?.['text/event-stream']?.schema.$ref).toBe('#/components/schemas/StockEvent');
  expect(Object.keys(doc.components.schemas.StockEvent?.properties ?? {}).sort()).toEqual(['available', 'onHand', 'productId', 'reserved', 'status', 'version']);
  expect(doc.paths['/ui-config']?.get?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/UiConfig');
});

test('the login form lists the demo users; one click logs in as that user', async () => {
  const { page, problems } = await env.newPage();
  await page.goto(env.url);
  const demo = page.getByRole('region', { name: 'Demo users' });
  await demo.waitFor();
  for (const u of DEMO_USERS) await demo.getByRole('button', { name: new RegExp(u.name) }).waitFor();
  expect(await demo.locator('code').textContent()).toBe('demo-password');
  await screenshot(page, 'login-demo-users');

  // keyboard only: Tab to the first customer and press Enter; Carla's account is in Spanish (the shop's default)
  const carla = demo.getByRole('button', { name: /Carla Customer/ });
  await carla.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Tus ventas' }).waitFor();
  await page.locator('.topbar').getByText('Carla Customer').waitFor();
  await page.locator('.live.on').waitFor({ timeout: 10_000 });
  // the shared test database holds many products; the page shows the first few, so find it by name
  await page.getByLabel('Filtrar productos').fill('Wireless mouse');
  await page.getByRole('button', { name: 'Seguir Wireless mouse' }).or(page.getByRole('button', { name: 'Dejar de seguir Wireless mouse' })).waitFor();
  await screenshot(page, 'demo-customer-dashboard');
  expect(unexpectedProblems(problems)).toEqual([]);
});
