/**
 * Renders one email (subject, HTML, text) for a template in the recipient's language. Every value
 * that comes from data (product names, reasons) is HTML-escaped in the HTML part.
 */
import type { MailLocale } from '../mailer';
import type { Template } from '../preferences';
import { escapeHtml, layoutEmail, type RenderedEmail } from './layout';
import { STRINGS, statusLabel } from './strings';

export interface EmailInput {
  template: Template;
  locale: MailLocale;
  productName?: string;
  /** the product's current stock status and units (read when the mail is sent) */
  status?: string;
  available?: number | null;
  /** short sale reference and the notification's details line */
  sale?: string;
  details?: string;
  /** link to the product on the live page */
  productUrl?: string;
  unsubscribeUrl: string;
}

export { escapeHtml, type RenderedEmail } from './layout';

export function renderEmail(input: EmailInput): RenderedEmail {
  const t = STRINGS[input.locale];
  const status = input.status ? statusLabel(input.locale, input.status) : undefined;
  const facts = { product: input.productName, status, available: input.available, sale: input.sale, details: input.details };
  const subject = t.subjects[input.template](facts);
  const lines = [
    t.leads[input.template](facts),
    status ? `${t.statusLine}: ${status}` + (input.available == null ? '' : ` · ${t.available(input.available)}`) : undefined,
    input.details,
  ].filter((l): l is string => Boolean(l));

  return layoutEmail({
    locale: input.locale,
    subject,
    text: [...lines, '', ...(input.productUrl ? [`${t.viewProduct}: ${input.productUrl}`] : [])],
    html: `${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
${input.productUrl ? `<p><a href="${escapeHtml(input.productUrl)}">${escapeHtml(t.viewProduct)}</a></p>` : ''}`,
    unsubscribeUrl: input.unsubscribeUrl,
  });
}
