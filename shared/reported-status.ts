/**
 * Seed 000's inventory systems report statuses in Spanish: "en stock", "stock bajo", "agotado".
 * Those name the saga's own three statuses, so `POST /send_notification` publishes them as the
 * canonical ones (any case, any spacing) and consumers, labels and the live page read them like
 * any other status. Any other reported text is a status we do not know and stays as it was sent.
 */
import type { StockStatus } from './events';

const SPANISH: Record<string, StockStatus> = { enstock: 'in_stock', stockbajo: 'low_stock', agotado: 'out_of_stock' };

export function canonicalReportedStatus(reported: string): string {
  return SPANISH[reported.toLowerCase().replace(/\s+/g, '')] ?? reported;
}
