/** /metrics behind METRICS_TOKEN (issue #12): a scrape without the token learns nothing. */
process.env.METRICS_TOKEN = 'scrape-token-for-the-tests-0001'; // read by shared/config.ts, loaded fresh for this file

import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

test('/metrics answers 401 without the METRICS_TOKEN bearer token or with a wrong one', async () => {
  const none = await request(ctx.app).get('/metrics');
  expect(none.status).toBe(401);
  expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(none.text).not.toMatch(/http_request_duration_seconds/);
  const wrong = await request(ctx.app).get('/metrics').set('Authorization', 'Bearer scrape-token-for-the-tests-0002');
  expect(wrong.status).toBe(401);
});

test('/metrics answers the scrape that brings the token', async () => {
  const res = await request(ctx.app).get('/metrics').set('Authorization', 'Bearer scrape-token-for-the-tests-0001');
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/^# HELP http_request_duration_seconds/m);
});
