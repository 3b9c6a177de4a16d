/**
 * /metrics on its own port (METRICS_PORT, issue #12): the API process serves the public routes on
 * PORT and the scrape endpoint only on the metrics port.
 */
process.env.PORT = '0'; // free ports: read by shared/config.ts, loaded fresh for this file
process.env.METRICS_PORT = '0';

import { startApiServer } from '../../runtime/api-server';

let api: Awaited<ReturnType<typeof startApiServer>>;

beforeAll(async () => {
  api = await startApiServer();
}, 60_000);
afterAll(async () => {
  await api?.stop();
});

test('the public port has no /metrics; the metrics port serves it', async () => {
  expect(api.metricsUrl).toBeDefined();
  expect(new URL(api.metricsUrl!).port).not.toBe(new URL(api.url).port);

  const health = await fetch(`${api.url}/healthz`); // a positive marker: the public port answers
  expect(health.status).toBe(200);
  const publicMetrics = await fetch(`${api.url}/metrics`);
  expect(publicMetrics.status).toBe(404);

  const scrape = await fetch(api.metricsUrl!);
  expect(scrape.status).toBe(200);
  expect(await scrape.text()).toMatch(/http_request_duration_seconds/);
  expect((await fetch(api.metricsUrl!.replace('/metrics', '/healthz'))).status).toBe(404);
});
