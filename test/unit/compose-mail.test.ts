/**
 * docker-compose.yml's mail server: Mailpit (its image carries the web UI the `go install` build
 * lacks), published on the host's 127.0.0.1 only, and every app service sending to it via SMTP_URL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../shared/config';

interface Service {
  image?: string;
  ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>;
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: string[] | Record<string, unknown>;
}

const compose = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const APP_SERVICES = ['migrate', 'api', 'worker', 'consumers'];

describe('docker-compose.yml: mail', () => {
  const mailpit = compose.services.mailpit;

  it('runs a pinned Mailpit image with SMTP on 1025 and its web UI on 8025, on the host loopback only', () => {
    expect(mailpit?.image).toMatch(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
    expect(mailpit?.ports).toEqual(expect.arrayContaining(['127.0.0.1:1025:1025', '127.0.0.1:8025:8025']));
    for (const port of mailpit?.ports ?? []) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
  });

  it.each(APP_SERVICES)('%s sends mail to the Mailpit service through SMTP_URL', (name) => {
    const env = compose.services[name]?.environment ?? {};
    const smtpUrl = String(env.SMTP_URL);
    expect(new URL(smtpUrl).hostname).toBe('mailpit');
    // the same value the app validates at boot
    expect(parseConfig({ SMTP_URL: smtpUrl }).mail).toMatchObject({ external: true, smtpUrl });
  });
});
