/**
 * The email channel's sending module against the real local SMTP server (MailDev, started by the
 * stack): what delivery/mailer.ts sends is read back over the server's HTTP API, raw source included.
 */
import { randomUUID } from 'node:crypto';
import { createMailer, isPermanentSmtpFailure, messageIdFor, type Mailer } from '../../delivery/mailer';
import { unsubscribeUrl, verifyUnsubscribeToken } from '../../delivery/unsubscribe-links';
import { getConfig } from '../../shared/config';
import { clearMailbox, headerOf, listMessages, rawSource, waitForMessage, waitForMessages } from '../helpers/mailbox';

let mailer: Mailer;

beforeAll(async () => {
  mailer = createMailer();
  await mailer.verify();
});

afterAll(() => mailer.close());

function recipient(): string {
  return `mail-${randomUUID()}@example.com`;
}

test('a mail arrives with both parts, its Message-ID and one-click unsubscribe (RFC 8058)', async () => {
  const to = recipient();
  const messageId = messageIdFor(`delivery-${randomUUID()}`);
  const link = await unsubscribeUrl({ userId: 'user-42', scope: { kind: 'product', productId: '3' } });
  const sent = await mailer.send({
    to,
    subject: 'Product 3 is back in stock',
    text: 'Product 3 is back in stock.',
    html: '<p>Product <strong>3</strong> is back in stock.</p>',
    locale: 'en',
    messageId,
    unsubscribeUrl: link,
  });
  expect(sent.messageId).toBe(messageId);
  expect(sent.response).toMatch(/^250/);

  const mail = await waitForMessage(to);
  expect(mail.subject).toBe('Product 3 is back in stock');
  expect(mail.to.map((a) => a.address)).toEqual([to]);
  expect(mail.from.map((a) => a.address)).toEqual([getConfig().mail.from.replace(/^.*<|>$/g, '')]);
  expect(mail.text?.trim()).toBe('Product 3 is back in stock.');
  expect(mail.html).toContain('<strong>3</strong>');

  const source = await rawSource(mail.id);
  expect(headerOf(source, 'Message-ID')).toBe(messageId);
  expect(headerOf(source, 'List-Unsubscribe')).toBe(`<${link}>`);
  expect(headerOf(source, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  expect(headerOf(source, 'Content-Language')).toBe('en');
  expect(headerOf(source, 'Content-Type')).toMatch(/^multipart\/alternative;/);
  expect(source).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
  expect(source).toMatch(/Content-Type: text\/html; charset=utf-8/i);

  // the link the recipient's mail client posts to names who leaves what
  const token = new URL(headerOf(source, 'List-Unsubscribe')!.slice(1, -1)).searchParams.get('token')!;
  expect(await verifyUnsubscribeToken(token)).toEqual({ ok: true, request: { userId: 'user-42', scope: { kind: 'product', productId: '3' } } });
});

test('a Spanish mail keeps its accents (UTF-8) in the subject and both parts', async () => {
  const to = recipient();
  const subject = 'Pedido confirmado: camión, pingüino y ñandú — ¡gracias, Íñigo!';
  await mailer.send({
    to,
    subject,
    text: 'Tu reserva del artículo «Cañón» está confirmada. Acción: ninguna.',
    html: '<p>Tu reserva del artículo «Cañón» está confirmada.</p>',
    locale: 'es',
    messageId: messageIdFor(`delivery-${randomUUID()}`),
    unsubscribeUrl: await unsubscribeUrl({ userId: 'user-7', scope: { kind: 'category', category: 'sales' } }),
  });
  const mail = await waitForMessage(to);
  expect(mail.subject).toBe(subject);
  expect(mail.text).toContain('«Cañón» está confirmada. Acción');
  expect(mail.html).toContain('«Cañón» está confirmada.');
  const source = await rawSource(mail.id);
  expect(headerOf(source, 'Content-Language')).toBe('es');
  // non-ASCII header text travels as RFC 2047 encoded words, never as raw 8-bit bytes
  expect(headerOf(source, 'Subject')).toMatch(/^=\?UTF-8\?[BQ]\?/i);
});

test('a retried delivery sends the same Message-ID again, so mail clients can recognise the duplicate', async () => {
  const to = recipient();
  const messageId = messageIdFor(`delivery-${randomUUID()}`);
  const mail = { to, subject: 'Sale completed', text: 'done', html: '<p>done</p>', locale: 'en' as const, messageId, unsubscribeUrl: 'https://shop.example/unsubscribe?token=t' };
  await mailer.send(mail);
  await mailer.send(mail);
  const received = await waitForMessages(to, 2);
  expect(received).toHaveLength(2);
  const ids = await Promise.all(received.map(async (m) => headerOf(await rawSource(m.id), 'Message-ID')));
  expect(ids).toEqual([messageId, messageId]);
});

test('an unreachable SMTP server is a transient failure (worth retrying), not a permanent one', async () => {
  const down = createMailer({ ...getConfig().mail, smtpUrl: 'smtp://127.0.0.1:9' });
  try {
    const err = await down
      .send({ to: recipient(), subject: 's', text: 't', html: '<p>t</p>', locale: 'en', messageId: messageIdFor('x'), unsubscribeUrl: 'https://x.example/u' })
      .then(() => undefined, (e: unknown) => e);
    // nodemailer wraps the socket's own error (here: connection refused)
    expect(err).toMatchObject({ code: 'ESOCKET', message: expect.stringContaining('ECONNREFUSED') });
    expect(isPermanentSmtpFailure(err)).toBe(false);
  } finally {
    down.close();
  }
});

test('a Message-ID that is not <id@domain> is refused before anything is sent', async () => {
  await expect(
    mailer.send({ to: recipient(), subject: 's', text: 't', html: '<p>t</p>', locale: 'en', messageId: 'no-brackets', unsubscribeUrl: 'https://x.example/u' }),
  ).rejects.toThrow(/messageId must look like <id@domain>/);
});

test('the mailbox helper empties the server (what later tests start from)', async () => {
  const to = recipient();
  await mailer.send({ to, subject: 'to be cleared', text: 't', html: '<p>t</p>', locale: 'en', messageId: messageIdFor(`clear-${randomUUID()}`), unsubscribeUrl: 'https://x.example/u' });
  await waitForMessage(to);
  await clearMailbox();
  expect(await listMessages(to)).toEqual([]);
});
