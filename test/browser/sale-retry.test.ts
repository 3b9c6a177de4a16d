/**
 * Issue #11, point 7, in a real browser: the live page sends an Idempotency-Key with every
 * POST /sales, one per click, and asks again with the same key when the answer is lost. The first
 * answer is lost on purpose (the request reaches the API, its response is replaced by a connection
 * reset); the page retries and exactly one sale exists.
 */
import { createProduct } from '../helpers/catalog';
import { eventually } from '../helpers/events';
import { createUser } from '../helpers/users';
import { logIn, unexpectedProblems, useBrowserEnv } from './harness';

const env = useBrowserEnv();

test('a reservation whose first answer is lost is retried with the same Idempotency-Key: one sale, and the page shows it', async () => {
  const customer = await createUser(env.db, { role: 'customer', locale: 'en' });
  const productId = await createProduct(env.db, 5);
  const tag = productId.slice(-6);
  await env.db('products').where({ id: productId }).update({ name: `Retry lamp ${tag}` });

  const { page, problems } = await env.newPage();
  const posts: { key: string | undefined; answered?: number }[] = [];
  await page.route(
    (url) => url.pathname === '/sales',
    async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const post: (typeof posts)[number] = { key: route.request().headers()['idempotency-key'] };
      posts.push(post);
      if (posts.length > 1) return route.continue();
      // the API gets the request and answers; the page never sees that answer
      const answer = await route.fetch();
      post.answered = answer.status();
      await route.abort('connectionreset');
    },
  );
  await page.goto(env.url);
  await logIn(page, customer);
  await page.getByLabel('Filter products').fill(tag);
  const card = page.locator(`li[data-product-id="${productId}"]`);
  await card.getByRole('button', { name: 'Reserve' }).click();

  const said = card.getByRole('status');
  await said.filter({ hasText: /^Reserved 1 × Retry lamp/ }).waitFor({ timeout: 15_000 });
  expect(posts).toHaveLength(2);
  expect(posts[0]!.answered).toBe(201);
  expect(posts[0]!.key).toMatch(/^[0-9a-f]{32}$/);
  expect(posts[1]!.key).toBe(posts[0]!.key);

  const sales = (await env.db('sales').where({ customer_user_id: customer.id }).select('id')) as { id: string }[];
  expect(sales).toHaveLength(1);
  expect(await said.textContent()).toContain(`sale ${sales[0]!.id.slice(0, 8)}`);
  const stock = (await env.db('inventory').where({ product_id: productId }).first('reserved')) as { reserved: number };
  expect(stock.reserved).toBe(1);

  // a second click is a second action: a new key, a second sale
  await card.getByRole('button', { name: 'Reserve' }).click();
  await eventually(async () => {
    const rows = (await env.db('sales').where({ customer_user_id: customer.id }).count<{ count: string }[]>({ count: '*' })) as { count: string }[];
    return Number(rows[0]!.count) === 2;
  }, 15_000, 'the second sale');
  expect(posts).toHaveLength(3);
  expect(posts[2]!.key).not.toBe(posts[0]!.key);
  // Chromium logs the reset this test provoked; nothing else
  expect(unexpectedProblems(problems).filter((p) => p !== 'console: Failed to load resource: net::ERR_CONNECTION_RESET')).toEqual([]);
});
