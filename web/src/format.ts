/** How values read on the page. */
import { t } from './i18n';
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Prices and totals are minor units (cents); no currency is configured, so none is shown. */
export const formatMoney = (minor: number): string => money.format(minor / 100);

export const stockLabel = (status: string): string => t().stock[status] ?? status;

export const saleLabel = (status: string): string => t().saleStatus[status] ?? status;

export const PAYMENT_METHODS = [
  ['CASH', 'Cash'],
  ['CREDIT_CARD', 'Credit card'],
  ['DEBIT_CARD', 'Debit card'],
  ['TRANSFER', 'Bank transfer'],
  ['OTHER', 'Other'],
] as const;
export const paymentLabel = (method: string): string => PAYMENT_METHODS.find(([value]) => value === method)?.[1] ?? method;

/** "4:05" or "1:02:03" until `until`; "0:00" once it has passed. */
export function countdown(until: number, now = Date.now()): string {
  const total = Math.max(0, Math.ceil((until - now) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export const formatTime = (iso: string): string => timeFormat.format(new Date(iso));

export const shortId = (id: string): string => id.slice(0, 8);
