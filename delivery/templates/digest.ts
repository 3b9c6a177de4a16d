/**
 * The digest email (hourly or daily) in Spanish and English: one line per product with its status
 * when the digest is sent (and units), one per sale; HTML + text like every other email.
 */
import type { DigestItem } from '../digests';
import type { MailLocale } from '../mailer';
import { escapeHtml, layoutEmail, type RenderedEmail } from './layout';
import { STRINGS, statusLabel } from './strings';

export interface DigestInput {
  locale: MailLocale;
  cadence: string;
  items: DigestItem[];
  productUrl: (productId: string) => string;
  unsubscribeUrl: string;
}

const WORDS = {
  es: {
    subject: (cadence: string, n: number) => `Tu resumen ${cadence === 'hourly' ? 'de la última hora' : 'diario'}: ${n} ${n === 1 ? 'novedad' : 'novedades'}`,
    lead: (cadence: string) => (cadence === 'hourly' ? 'Esto es lo que ha pasado en la última hora:' : 'Esto es lo que ha pasado desde tu último resumen:'),
    sale: (id: string) => `Venta ${id}`,
    saleStatuses: { RESERVED: 'reservada', COMPLETED: 'completada', CANCELLED: 'cancelada' } as Record<string, string>,
    changes: (n: number) => (n === 1 ? '1 aviso' : `${n} avisos`),
    unknown: 'estado desconocido',
  },
  en: {
    subject: (cadence: string, n: number) => `Your ${cadence === 'hourly' ? 'hourly' : 'daily'} digest: ${n} ${n === 1 ? 'update' : 'updates'}`,
    lead: (cadence: string) => (cadence === 'hourly' ? 'This is what happened in the last hour:' : 'This is what happened since your last digest:'),
    sale: (id: string) => `Sale ${id}`,
    saleStatuses: { RESERVED: 'reserved', COMPLETED: 'completed', CANCELLED: 'cancelled' } as Record<string, string>,
    changes: (n: number) => (n === 1 ? '1 notification' : `${n} notifications`),
    unknown: 'status unknown',
  },
} as const;

interface Line {
  text: string;
  url?: string;
}

function line(input: DigestInput, item: DigestItem): Line {
  const w = WORDS[input.locale];
  const count = w.changes(item.changes);
  if (item.kind === 'sale') {
    const status = item.status ? (w.saleStatuses[item.status] ?? item.status) : w.unknown;
    return { text: `${w.sale((item.saleId ?? '').slice(0, 8))}: ${status} (${count})` };
  }
  const name = item.productName ?? item.productId ?? '';
  const status = item.status ? statusLabel(input.locale, item.status) : w.unknown;
  const units = item.available == null ? '' : ` · ${STRINGS[input.locale].available(item.available)}`;
  return { text: `${name}: ${status}${units} (${count})`, url: item.productId ? input.productUrl(item.productId) : undefined };
}

export function renderDigest(input: DigestInput): RenderedEmail {
  const w = WORDS[input.locale];
  const subject = w.subject(input.cadence, input.items.length);
  const lines = input.items.map((item) => line(input, item));
  return layoutEmail({
    locale: input.locale,
    subject,
    text: [w.lead(input.cadence), '', ...lines.map((l) => `- ${l.text}${l.url ? `\n  ${l.url}` : ''}`)],
    html: `<p>${escapeHtml(w.lead(input.cadence))}</p>
<ul>
${lines.map((l) => `<li>${l.url ? `<a href="${escapeHtml(l.url)}">${escapeHtml(l.text)}</a>` : escapeHtml(l.text)}</li>`).join('\n')}
</ul>`,
    unsubscribeUrl: input.unsubscribeUrl,
  });
}
