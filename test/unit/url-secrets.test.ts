/** Stream tickets and tokens in URLs stay out of the logs and out of problem `instance`s (issue #11). */
import pino from 'pino';
import { redactOptions, redactUrlSecrets } from '../../shared/logger';

test('a ticket or a token in a URL is redacted, wherever it sits; the rest stays', () => {
  expect(redactUrlSecrets('/notifications/stream?ticket=abc-DEF_1&lastEventId=5')).toBe('/notifications/stream?ticket=[redacted]&lastEventId=5');
  expect(redactUrlSecrets('/products/stream?x=1&TICKET=abc#f')).toBe('/products/stream?x=1&TICKET=[redacted]#f');
  expect(redactUrlSecrets('/notifications/stream?access_token=eyJ.a.b')).toBe('/notifications/stream?access_token=[redacted]');
  expect(redactUrlSecrets('/products?page=2&myticket=1')).toBe('/products?page=2&myticket=1');
});

test('pino-http request fields carrying a ticket are redacted', () => {
  const lines: string[] = [];
  pino({ redact: redactOptions }, { write: (s: string) => lines.push(s) }).info({ req: { url: '/products/stream?ticket=s3cret', query: { ticket: 's3cret' } } }, 'x');
  expect(lines[0]).not.toContain('s3cret');
  expect(JSON.parse(lines[0]!)).toMatchObject({ req: { url: '/products/stream?ticket=[redacted]', query: { ticket: '[redacted]' } } });
});
