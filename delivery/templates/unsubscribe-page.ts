/**
 * The small HTML pages behind an email's unsubscribe link (GET shows one with a confirm button,
 * a browser's POST shows the result), in the recipient's language. Everything from data is escaped.
 */
import type { MailLocale } from '../mailer';
import type { UnsubscribeScope } from '../unsubscribe-links';
import { escapeHtml } from './render';

const CATEGORY_LABELS: Record<MailLocale, Record<string, string>> = {
  es: { followed_stock: 'los productos que sigues', own_sales: 'tus compras', stock_changes: 'cambios de stock', sales: 'ventas', low_stock: 'alertas de stock bajo' },
  en: { followed_stock: 'the products you follow', own_sales: 'your purchases', stock_changes: 'stock changes', sales: 'sales', low_stock: 'low-stock alerts' },
};

const WORDS = {
  es: {
    title: 'Darse de baja',
    what: (s: string) => `Dejarás de recibir correos sobre ${s}.`,
    confirm: 'Confirmar la baja',
    all: 'Darme de baja de todos los correos',
    done: (s: string) => `Listo: ya no recibirás correos sobre ${s}.`,
    doneAll: 'Listo: ya no recibirás ningún correo. Las notificaciones siguen en tu bandeja de la aplicación.',
    everything: 'todo',
    invalid: 'Este enlace de baja no es válido o ha caducado. Puedes cambiar tus preferencias desde la aplicación.',
  },
  en: {
    title: 'Unsubscribe',
    what: (s: string) => `You will stop getting emails about ${s}.`,
    confirm: 'Confirm unsubscribe',
    all: 'Unsubscribe from all email',
    done: (s: string) => `Done: you will no longer get emails about ${s}.`,
    doneAll: 'Done: you will get no more email. Notifications stay in your in-app inbox.',
    everything: 'everything',
    invalid: 'This unsubscribe link is invalid or has expired. You can change your preferences in the app.',
  },
} as const;

export function scopeLabel(locale: MailLocale, scope: UnsubscribeScope, productName?: string): string {
  if (scope.kind === 'product') return productName ?? scope.productId;
  if (scope.kind === 'category') return CATEGORY_LABELS[locale][scope.category] ?? scope.category;
  return WORDS[locale].everything;
}

function page(locale: MailLocale, body: string): string {
  const w = WORDS[locale];
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>${escapeHtml(w.title)}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;line-height:1.5">
<h1>${escapeHtml(w.title)}</h1>
${body}
</body></html>
`;
}

/** GET: what the link stops, a confirm button, and "unsubscribe from all email" */
export function confirmPage(locale: MailLocale, action: string, label: string): string {
  const w = WORDS[locale];
  return page(
    locale,
    `<p>${escapeHtml(w.what(label))}</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(w.confirm)}</button></form>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="scope" value="all"><button type="submit">${escapeHtml(w.all)}</button></form>`,
  );
}

export function donePage(locale: MailLocale, label: string | undefined): string {
  const w = WORDS[locale];
  return page(locale, `<p>${escapeHtml(label === undefined ? w.doneAll : w.done(label))}</p>`);
}

export function invalidPage(locale: MailLocale): string {
  return page(locale, `<p>${escapeHtml(WORDS[locale].invalid)}</p>`);
}
