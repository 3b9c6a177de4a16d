/**
 * The saga's messages and search attributes. Shared by the workflow (handlers) and the API
 * (callers): defineUpdate/defineQuery are plain descriptors, safe outside the sandbox.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ReserveRequest, SaleView, StatusChange } from '../shared/sale-types';

/** Sent with update-with-start by POST /sales: answers with the reserved sale, or fails (409). */
export const reserveUpdate = defineUpdate<SaleView & { requestHash: string }, [ReserveRequest]>('reserve');

/** PATCH /sales/:id/status: COMPLETED or CANCELLED; its validator rejects illegal transitions. */
export const changeStatusUpdate = defineUpdate<SaleView, [StatusChange]>('changeStatus');

export const saleQuery = defineQuery<SaleView | null>('sale');

export const SaleStatusKey = defineSearchAttributeKey('SaleStatus', SearchAttributeType.KEYWORD);
export const CustomerEmailKey = defineSearchAttributeKey('CustomerEmail', SearchAttributeType.KEYWORD);
export const SaleTotalKey = defineSearchAttributeKey('SaleTotal', SearchAttributeType.INT);
export const ProductIdsKey = defineSearchAttributeKey('ProductIds', SearchAttributeType.KEYWORD_LIST);
