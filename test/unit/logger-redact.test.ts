/** Secrets stay out of the logs, including the SSE stream's `?access_token=`. */
import pino from 'pino';
import { redactOptions } from '../../shared/logger';

function render(obj: Record<string, unknown>): Record<string, unknown> {
  const lines: string[] = [];
  pino({ redact: redactOptions }, { write: (s: string) => lines.push(s) }).info(obj, 'x');
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

test('the access token in a request URL and query is redacted; the rest of the URL stays', () => {
  const out = render({ req: { url: '/notifications/stream?lastEventId=5&access_token=eyJ.secret.sig', query: { access_token: 'eyJ.secret.sig', lastEventId: '5' }, headers: { authorization: 'Bearer x' } } });
  expect(out.req).toEqual({
    url: '/notifications/stream?lastEventId=5&access_token=[redacted]',
    query: { access_token: '[redacted]', lastEventId: '5' },
    headers: { authorization: '[redacted]' },
  });
  expect(JSON.stringify(out)).not.toContain('secret');
});

test('URLs without a token and other secrets are handled as before', () => {
  expect((render({ req: { url: '/products?page=2' } }).req as { url: string }).url).toBe('/products?page=2');
  expect(render({ password: 'p', token: 't' })).toMatchObject({ password: '[redacted]', token: '[redacted]' });
});

test("an unsubscribe link's token (it unsubscribes without a login) is redacted from the URL and the query", () => {
  const out = render({ req: { url: '/unsubscribe?token=eyJ.unsub.sig', query: { token: 'eyJ.unsub.sig' } } });
  expect(out.req).toEqual({ url: '/unsubscribe?token=[redacted]', query: { token: '[redacted]' } });
});
