/**
 * JSON shapes the API answers with that the live page (web/) reads too: one definition for both
 * sides. Types only, and imports of types only, so the page's bundle takes nothing from here.
 */
import type { StockStatus } from './events';

export interface ProductView {
  id: string;
  sku: string;
  name: string;
  price: number;
  onHand: number;
  reserved: number;
  available: number;
  status: StockStatus;
  lowStockThreshold: number;
  version: number;
}

export interface NotificationView {
  id: number;
  audience: string;
  kind: 'inventory' | 'sale';
  productId: string | null;
  saleId: string | null;
  status: string;
  title: string;
  body: string;
  eventId: string;
  createdAt: string;
  readAt: string | null;
}
