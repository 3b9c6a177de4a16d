/**
 * Plain data shapes shared by the API, the workflows and the activities. No I/O here: the
 * workflow sandbox imports this file.
 */
import type { SaleStatus } from './events';

export const PAYMENT_METHODS = ['CASH', 'CREDIT_CARD', 'DEBIT_CARD', 'TRANSFER', 'OTHER'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface SaleItemRequest {
  productId: string;
  quantity: number;
}

/** What the saga needs to reserve a sale; built by the API from the request and the caller. */
export interface ReserveRequest {
  saleId: string;
  /** hash of the caller's request, so a retry with the same Idempotency-Key but another body is told apart */
  requestHash: string;
  customerName: string;
  customerEmail: string;
  customerUserId: string | null;
  createdBy: string | null;
  items: SaleItemRequest[];
  discount: number;
  reservationTtlSeconds: number;
}

export type StatusChange =
  | { status: 'COMPLETED'; paymentMethod: PaymentMethod; paymentReference?: string | null }
  | { status: 'CANCELLED'; reason?: string | null };

export interface SaleItemView {
  productId: string;
  productName: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface SaleView {
  id: string;
  workflowId: string;
  status: SaleStatus;
  customerName: string;
  customerEmail: string;
  customerUserId: string | null;
  items: SaleItemView[];
  subtotal: number;
  discount: number;
  total: number;
  expiresAt: string;
  paymentMethod: string | null;
  paymentReference: string | null;
  cancelReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  cancelledAt: string | null;
}

export interface StockShortage {
  productId: string;
  requested: number;
  available: number;
}

/** Names of the business failures activities raise (ApplicationFailure types); never retried. */
export const FAILURE = {
  insufficientStock: 'InsufficientStock',
  unknownProduct: 'UnknownProduct',
  illegalTransition: 'IllegalTransition',
  invalidStockChange: 'InvalidStockChange',
  /** a value the database cannot store (out of range, violates a constraint): the request is at fault */
  invalidData: 'InvalidData',
} as const;

export const saleWorkflowId = (saleId: string): string => `sale-${saleId}`;
export const stockWorkflowId = (productId: string, requestId: string): string => `stock-${productId}-${requestId}`;

export interface StockChangeRequest {
  productId: string;
  kind: 'restock' | 'adjust';
  /** restock: units added (> 0); adjust: signed correction of on-hand units (≠ 0) */
  quantity: number;
  reason?: string | null;
  /** the key the change was requested under; a retry with the same key changes nothing */
  requestKey: string;
}
