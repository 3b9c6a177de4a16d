/**
 * Issue #11, point 6, in a real browser: the live page opens each stream with a one-use ticket
 * (never the token in a URL), and when the server ends a stream because the token expired, the
 * page reconnects on its own: it asks for a new ticket, the API refuses the expired token, and the
 * page goes back to the login form saying why.
 */
import { signToken } from '../../api/auth/tokens';
import { createUser } from '../helpers/users';
import { unexpectedProblems, useBrowserEnv } from './harness';

const env = useBrowserEnv();

test('streams open with tickets; when the token expires they end, the page reconnects and, refused, logs out saying why', async () => {
  const customer = await createUser(env.db, { role: 'customer', locale: 'en' });
  const { page, problems } = await env.newPage();
  const streamUrls: string[] = [];
  let tickets = 0;
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith('/stream')) streamUrls.push(url.search);
    if (url.pathname === '/stream-tickets' && r.method() === 'POST') tickets += 1;
  });

  const short = await signToken(customer, { ttlSeconds: 8 });
  await page.goto(env.url);
  await page.evaluate(`sessionStorage.setItem('sales-saga.token', ${JSON.stringify(short.token)})`);
  await page.reload();
  await page.locator('.live.on').waitFor({ timeout: 10_000 });
  expect(streamUrls).toHaveLength(2);
  for (const search of streamUrls) {
    expect(search).toMatch(/^\?ticket=[\w-]+$/);
    expect(search).not.toContain(short.token);
  }
  expect(tickets).toBe(2);

  const alert = page.getByRole('alert').filter({ hasText: 'session has ended' });
  await alert.waitFor({ timeout: 20_000 });
  expect(await alert.textContent()).toBe('Your session has ended (token expired). Please log in again.');
  // the streams ended and the page asked for a new ticket, which the expired token could not get
  expect(tickets).toBeGreaterThanOrEqual(3);
  expect(streamUrls).toHaveLength(2);
  expect(unexpectedProblems(problems, [401])).toEqual([]);
});
