/**
 * The one layout every email has: the text part's body then the footer and unsubscribe link after a
 * signature line, and the same in an HTML page in the recipient's language. The templates write
 * only their body.
 */
import type { MailLocale } from '../mailer';
import { STRINGS } from './strings';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export interface EmailBody {
  locale: MailLocale;
  subject: string;
  /** the text part's lines above the footer */
  text: string[];
  /** the HTML part's markup above the footer (data in it already escaped) */
  html: string;
  unsubscribeUrl: string;
}

export function layoutEmail({ locale, subject, text, html, unsubscribeUrl }: EmailBody): RenderedEmail {
  const t = STRINGS[locale];
  return {
    subject,
    text: [...text, '', '--', t.footer, `${t.unsubscribe}: ${unsubscribeUrl}`, ''].join('\n'),
    html: `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:sans-serif;line-height:1.5">
${html}
<hr><p style="font-size:small;color:#666">${escapeHtml(t.footer)}<br><a href="${escapeHtml(unsubscribeUrl)}">${escapeHtml(t.unsubscribe)}</a></p>
</body></html>
`,
  };
}
