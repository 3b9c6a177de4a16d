/**
 * The local mail server (MailDev, stack/mail.ts) read back over its HTTP API, for tests that check
 * what was really delivered over SMTP. MailDev's JSON carries few headers, so anything a test asserts
 * on headers (Message-ID, List-Unsubscribe, Content-Language) should read `rawSource`.
 */
import { getConfig } from '../../shared/config';

export interface MailboxAddress {
  address: string;
  name: string;
}

/** One received message as MailDev's `/api/email` lists it (the fields the tests use). */
export interface ReceivedMail {
  id: string;
  time: string;
  subject: string;
  from: MailboxAddress[];
  to: MailboxAddress[];
  html?: string;
  text?: string;
  headers: Record<string, string | string[]>;
}

function apiUrl(path: string): string {
  const { uiUrl } = getConfig().mail;
  if (!uiUrl) throw new Error('SMTP_URL points at an external server; the mailbox helper reads only the local MailDev (unset SMTP_URL)');
  return `${uiUrl}/api${path}`;
}

async function call(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(apiUrl(path), init);
  if (!res.ok) throw new Error(`MailDev ${init?.method ?? 'GET'} ${path} answered ${res.status}: ${await res.text()}`);
  return res;
}

/** Every message delivered to this address, oldest first. */
export async function listMessages(recipient: string): Promise<ReceivedMail[]> {
  const res = await call(`/email?${new URLSearchParams({ 'to.address': recipient })}`);
  return (await res.json()) as ReceivedMail[];
}

/** The message exactly as the SMTP server received it (headers and MIME parts, undecoded). */
export async function rawSource(id: string): Promise<string> {
  return (await call(`/email/${encodeURIComponent(id)}/source`)).text();
}

/** Polls until a message for the recipient matches; fails naming what did arrive. */
export async function waitForMessage(
  recipient: string,
  matches: (mail: ReceivedMail) => boolean = () => true,
  options: WaitOptions = {},
): Promise<ReceivedMail> {
  const [found] = await poll(recipient, (all) => {
    const hit = all.find(matches);
    return hit ? [hit] : undefined;
  }, options);
  return found!;
}

/** Polls until the recipient has at least `count` messages; returns them, oldest first. */
export async function waitForMessages(recipient: string, count: number, options: WaitOptions = {}): Promise<ReceivedMail[]> {
  return poll(recipient, (all) => (all.length >= count ? all : undefined), options);
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

async function poll(recipient: string, done: (all: ReceivedMail[]) => ReceivedMail[] | undefined, { timeoutMs = 10_000, intervalMs = 100 }: WaitOptions): Promise<ReceivedMail[]> {
  const deadline = Date.now() + timeoutMs;
  let seen: ReceivedMail[] = [];
  while (Date.now() < deadline) {
    seen = await listMessages(recipient);
    const result = done(seen);
    if (result) return result;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const subjects = seen.map((m) => JSON.stringify(m.subject)).join(', ') || 'none';
  throw new Error(`the awaited mail for ${recipient} did not arrive within ${timeoutMs} ms (received: ${subjects})`);
}

/** Empties the whole mailbox (every recipient). */
export async function clearMailbox(): Promise<void> {
  await call('/email/all', { method: 'DELETE' });
}

/** Unfolds a header from a raw message (RFC 5322 folding: a line break before white space). */
export function headerOf(source: string, name: string): string | undefined {
  const head = source.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
