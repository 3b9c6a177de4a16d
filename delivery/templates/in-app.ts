/**
 * The words of in-app notifications (inbox, SSE) in Spanish and English.
 *
 * Rendered when read, not when stored: the consumers store a message key with its parameters
 * (`notifications.message`), and the API renders title and body in the recipient's locale each time
 * it hands a notification out (GET /notifications, the SSE push, marking read). So a user who
 * switches language (PATCH /me) sees the whole inbox in the new one, and the fan-out INSERT stays
 * one set-based statement with the same values for every recipient (no per-locale CASE). The
 * English text is also stored in title/body: what the log lines and rows written before this
 * existed carry, and what a notification without a message shows.
 */
import type { MailLocale } from '../mailer';
import { statusLabel } from './strings';

export interface StockChangedMessage {
  key: 'stock_changed';
  product: string;
  /** the status the change is measured from (null: unknown) */
  from: string | null;
  status: string;
  available: number | null;
}

export interface StatusReportedMessage {
  key: 'status_reported';
  product: string;
  /** canonical (in_stock…) or the free text an inventory system reported */
  status: string;
}

export interface SaleMessage {
  key: 'sale';
  /** customers read about their own purchase, staff about a sale for someone */
  to: 'customer' | 'staff';
  event: 'created' | 'completed' | 'cancelled';
  sale: string;
  customer: string;
  items: { quantity: number; product: string }[];
  /** minor units */
  total: number;
  discount: number;
  expiresAt?: string | null;
  paymentMethod?: string | null;
  reason?: string | null;
}

export type InAppMessage = StockChangedMessage | StatusReportedMessage | SaleMessage;

export interface InAppText {
  title: string;
  body: string;
}

/** in-app English keeps the phrasing the inbox has always had ("low on stock") */
const EN_STATUS: Record<string, string> = { in_stock: 'in stock', low_stock: 'low on stock', out_of_stock: 'out of stock' };
const statusIn = (locale: MailLocale, status: string | null): string =>
  status === null ? (locale === 'es' ? 'desconocido' : 'unknown') : locale === 'es' ? statusLabel('es', status) : (EN_STATUS[status] ?? status);

const ES_EVENT = { created: 'reservada', completed: 'completada', cancelled: 'cancelada' } as const;
const EN_EVENT = { created: 'reserved', completed: 'completed', cancelled: 'cancelled' } as const;
const ES_PAYMENT: Record<string, string> = { CASH: 'efectivo', CREDIT_CARD: 'tarjeta de crédito', DEBIT_CARD: 'tarjeta de débito', TRANSFER: 'transferencia', OTHER: 'otro medio' };

const moneyEn = (minor: number): string => (minor / 100).toFixed(2);
const moneyEs = (minor: number): string => moneyEn(minor).replace('.', ',');

function stockText(locale: MailLocale, m: StockChangedMessage): InAppText {
  const to = statusIn(locale, m.status);
  const from = statusIn(locale, m.from);
  if (locale === 'es') {
    const units = m.available === null ? '.' : `; ${m.available} ${m.available === 1 ? 'disponible' : 'disponibles'}.`;
    return { title: `${m.product}: ${to}`, body: `${m.product} ha pasado de ${from} a ${to}${units}` };
  }
  return { title: `${m.product} is ${to}`, body: `${m.product} went from ${from} to ${to}` + (m.available === null ? '.' : `; ${m.available} available.`) };
}

function reportedText(locale: MailLocale, m: StatusReportedMessage): InAppText {
  const label = statusIn(locale, m.status);
  return locale === 'es'
    ? { title: `${m.product}: ${label}`, body: `Un sistema de inventario ha informado «${m.status}» para ${m.product}.` }
    : { title: `${m.product}: ${label}`, body: `An inventory system reported "${m.status}" for ${m.product}.` };
}

function saleText(locale: MailLocale, m: SaleMessage): InAppText {
  const items = m.items.map((i) => `${i.quantity} × ${i.product}`).join(', ');
  if (locale === 'es') {
    const done = ES_EVENT[m.event];
    const details = [
      `${items}; total ${moneyEs(m.total)}` + (m.discount > 0 ? ` con un ${m.discount}% de descuento` : ''),
      m.event === 'created' && m.expiresAt ? `reservada hasta ${m.expiresAt}` : null,
      m.event === 'completed' && m.paymentMethod ? `pagada con ${ES_PAYMENT[m.paymentMethod] ?? m.paymentMethod}` : null,
      m.event === 'cancelled' && m.reason ? `motivo: ${m.reason}` : null,
    ];
    const title = m.to === 'customer' ? `Tu compra ${m.sale} está ${done}` : `Venta ${m.sale} ${done} para ${m.customer}`;
    return { title, body: details.filter(Boolean).join('; ') };
  }
  const done = EN_EVENT[m.event];
  const details = [
    `${items}; total ${moneyEn(m.total)}` + (m.discount > 0 ? ` after ${m.discount}% discount` : ''),
    m.event === 'created' && m.expiresAt ? `reserved until ${m.expiresAt}` : null,
    m.event === 'completed' && m.paymentMethod ? `paid by ${m.paymentMethod}` : null,
    m.event === 'cancelled' && m.reason ? `reason: ${m.reason}` : null,
  ];
  const title = m.to === 'customer' ? `Your purchase ${m.sale} is ${done}` : `Sale ${m.sale} ${done} for ${m.customer}`;
  return { title, body: details.filter(Boolean).join('; ') };
}

export function renderInApp(message: InAppMessage, locale: MailLocale): InAppText {
  switch (message.key) {
    case 'stock_changed':
      return stockText(locale, message);
    case 'status_reported':
      return reportedText(locale, message);
    case 'sale':
      return saleText(locale, message);
  }
}

const KEYS = new Set<string>(['stock_changed', 'status_reported', 'sale']);

/**
 * Title and body for a stored notification: rendered from its message when it has one this code
 * knows, else the text stored with it (rows from before messages, or from a newer writer).
 */
export function inAppText(stored: InAppText & { message?: unknown }, locale: MailLocale): InAppText {
  const m = stored.message as { key?: unknown } | null | undefined;
  if (!m || typeof m.key !== 'string' || !KEYS.has(m.key)) return { title: stored.title, body: stored.body };
  try {
    return renderInApp(m as InAppMessage, locale);
  } catch {
    return { title: stored.title, body: stored.body };
  }
}
