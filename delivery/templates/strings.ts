/** The words of every email and of the unsubscribe page, in Spanish and English. */
import type { MailLocale } from '../mailer';
import type { Template } from '../preferences';

export interface EmailFacts {
  product?: string;
  /** the status label in the recipient's language */
  status?: string;
  available?: number | null;
  sale?: string;
  details?: string;
}

interface Strings {
  statuses: Record<string, string>;
  subjects: Record<Template, (f: EmailFacts) => string>;
  leads: Record<Template, (f: EmailFacts) => string>;
  available: (n: number) => string;
  statusLine: string;
  viewProduct: string;
  unsubscribe: string;
  footer: string;
}

export const STRINGS: Record<MailLocale, Strings> = {
  es: {
    statuses: { in_stock: 'en stock', low_stock: 'stock bajo', out_of_stock: 'agotado' },
    subjects: {
      back_in_stock: (f) => `${f.product} vuelve a estar disponible`,
      in_stock: (f) => `${f.product}: en stock`,
      low_stock: (f) => `${f.product}: stock bajo`,
      out_of_stock: (f) => `${f.product}: agotado`,
      sale_reserved: (f) => `Venta ${f.sale} reservada`,
      sale_completed: (f) => `Venta ${f.sale} completada`,
      sale_cancelled: (f) => `Venta ${f.sale} cancelada`,
    },
    leads: {
      back_in_stock: (f) => `Buenas noticias: ${f.product} está de nuevo ${f.status}.`,
      in_stock: (f) => `${f.product} está ${f.status}.`,
      low_stock: (f) => `A ${f.product} le queda poco stock.`,
      out_of_stock: (f) => `${f.product} está agotado.`,
      sale_reserved: (f) => `La venta ${f.sale} está reservada.`,
      sale_completed: (f) => `La venta ${f.sale} se ha completado.`,
      sale_cancelled: (f) => `La venta ${f.sale} se ha cancelado.`,
    },
    available: (n) => `${n} ${n === 1 ? 'unidad disponible' : 'unidades disponibles'}`,
    statusLine: 'Estado',
    viewProduct: 'Ver el producto',
    unsubscribe: 'Darse de baja de estos correos',
    footer: 'Recibes este correo por tus preferencias de notificación.',
  },
  en: {
    statuses: { in_stock: 'in stock', low_stock: 'low stock', out_of_stock: 'out of stock' },
    subjects: {
      back_in_stock: (f) => `${f.product} is back in stock`,
      in_stock: (f) => `${f.product}: in stock`,
      low_stock: (f) => `${f.product}: low stock`,
      out_of_stock: (f) => `${f.product}: out of stock`,
      sale_reserved: (f) => `Sale ${f.sale} reserved`,
      sale_completed: (f) => `Sale ${f.sale} completed`,
      sale_cancelled: (f) => `Sale ${f.sale} cancelled`,
    },
    leads: {
      back_in_stock: (f) => `Good news: ${f.product} is ${f.status} again.`,
      in_stock: (f) => `${f.product} is ${f.status}.`,
      low_stock: (f) => `${f.product} is running low.`,
      out_of_stock: (f) => `${f.product} is out of stock.`,
      sale_reserved: (f) => `Sale ${f.sale} is reserved.`,
      sale_completed: (f) => `Sale ${f.sale} is completed.`,
      sale_cancelled: (f) => `Sale ${f.sale} was cancelled.`,
    },
    available: (n) => `${n} ${n === 1 ? 'unit' : 'units'} available`,
    statusLine: 'Status',
    viewProduct: 'View the product',
    unsubscribe: 'Unsubscribe from these emails',
    footer: 'You receive this email because of your notification preferences.',
  },
};

export function statusLabel(locale: MailLocale, status: string): string {
  return STRINGS[locale].statuses[status] ?? status;
}
