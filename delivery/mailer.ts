/**
 * The email channel's sending side: one pooled nodemailer SMTP transport per process, toward
 * SMTP_URL or the local mail server the stack provisions. Every message carries an HTML and a
 * plain-text part, the recipient's language, a Message-ID the caller fixes (so a retried delivery
 * is recognisably the same mail), and one-click unsubscribe (RFC 8058: `List-Unsubscribe` with an
 * https link + `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { createTransport } from 'nodemailer';
import { getConfig, type MailConfig } from '../shared/config';

export type MailLocale = 'es' | 'en';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  locale: MailLocale;
  /** `<id@domain>`, the same for every attempt of one delivery (see messageIdFor) */
  messageId: string;
  /** signed link from delivery/unsubscribe-links.ts */
  unsubscribeUrl: string;
}

export interface SentMail {
  messageId: string;
  /** the SMTP server's final answer, e.g. "250 Message queued as …" */
  response: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  /** connects and greets the server once (EHLO, AUTH if configured); throws if it cannot */
  verify(): Promise<void>;
  close(): void;
}

const MESSAGE_ID = /^<[^<>@\s]+@[^<>@\s]+>$/;

/** A stable Message-ID for a delivery key, in the sender's domain: `<key@domain>`. */
export function messageIdFor(key: string, from = getConfig().mail.from): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'sales-saga.localhost';
  return `<${key.replace(/[^A-Za-z0-9._-]/g, '-')}@${domain}>`;
}

/**
 * The SMTP exchange as a client span of the trace that sends it (issue #16; a no-op while tracing
 * is off): the last hop from a sale to the person notified.
 */
async function smtpSpan<T extends { response: string }>(send: () => Promise<T>): Promise<T> {
  return trace.getTracer('sales-saga-mail').startActiveSpan('smtp send', { kind: SpanKind.CLIENT }, async (span) => {
    try {
      const info = await send();
      span.setAttribute('smtp.response', info.response);
      return info;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

export function createMailer(mail: MailConfig = getConfig().mail): Mailer {
  const transport = createTransport({
    url: mail.smtpUrl,
    pool: true,
    // a few connections, each reused for many messages: delivery workers send in bursts
    maxConnections: 5,
    maxMessages: 100,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });

  return {
    async send(message: OutgoingMail): Promise<SentMail> {
      if (!MESSAGE_ID.test(message.messageId)) throw new Error(`messageId must look like <id@domain>, got ${message.messageId}`);
      if (!/^https?:\/\//.test(message.unsubscribeUrl)) throw new Error('unsubscribeUrl must be an http(s) link');
      const info = await smtpSpan(() => transport.sendMail({
        from: mail.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
        headers: {
          'Content-Language': message.locale,
          'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          // tells auto-responders (out-of-office) not to answer a notification
          'Auto-Submitted': 'auto-generated',
        },
      }));
      return { messageId: info.messageId, response: info.response };
    },
    async verify(): Promise<void> {
      await transport.verify();
    },
    close(): void {
      transport.close();
    },
  };
}

/**
 * Whether retrying a failed send can help: a 5xx answer (unknown mailbox, refused message) is
 * permanent; a 4xx answer, a refused connection or a timeout is worth another attempt.
 */
export function isPermanentSmtpFailure(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
