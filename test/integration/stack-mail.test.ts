/**
 * The local mail server the stack provisions (stack/mail.ts, MailDev): a real SMTP server and a web
 * UI a person opens, both on 127.0.0.1 only, and `stack status` leaving it alone when SMTP_URL is set.
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { getConfig } from '../../shared/config';

const { mail } = getConfig();

/** The first line a server sends on a fresh TCP connection. */
function greeting(port: number): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => socket.destroy(new Error('no greeting within 5 s')));
    socket.once('data', (data) => {
      socket.end('QUIT\r\n');
      done(data.toString('utf8'));
    });
    socket.once('error', fail);
  });
}

/** Local addresses of the listening TCP sockets on a port, from `ss` (iproute2). */
function listenAddresses(port: number): string[] {
  const ss = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  if (ss.status !== 0) throw new Error(`ss failed: ${ss.stderr}`);
  return ss.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[3]!)
    .map((local) => local.slice(0, local.lastIndexOf(':')));
}

test('SMTP answers with a 220 greeting', async () => {
  expect(mail.external).toBe(false);
  expect(await greeting(mail.localSmtpPort)).toMatch(/^220 /);
});

test('the address printed for a person serves the mail UI to a browser, and the API answers', async () => {
  const page = await fetch(`${mail.uiUrl}/`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(await page.text()).toMatch(/<title>MailDev<\/title>/i);
  const health = await fetch(`${mail.uiUrl}/api/healthz`);
  expect(await health.json()).toBe(true);
});

test('SMTP and the web UI listen on 127.0.0.1 only', () => {
  for (const port of [mail.localSmtpPort, mail.localUiPort]) {
    const addresses = listenAddresses(port);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a === '127.0.0.1')).toBe(true);
  }
});

test('with SMTP_URL set the stack reports an external server and provisions none', () => {
  const status = spawnSync('npx', ['--no-install', 'tsx', 'stack/cli.ts', 'status'], {
    cwd: resolve(__dirname, '../..'),
    encoding: 'utf8',
    env: { ...process.env, SMTP_URL: 'smtp://mailer:s3cret@smtp.example.com:587' },
  });
  expect(status.status).toBe(0);
  const line = status.stdout.split('\n').find((l) => l.startsWith('mail '));
  expect(line).toBe('mail      external (smtp://mailer:***@smtp.example.com:587)');
});
