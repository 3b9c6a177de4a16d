/**
 * The API client: same origin, bearer token from the login, JSON in and out. Failures become
 * ApiError with the problem+json `title` and `detail`, so the page can show what the API said. A
 * 401 on an authenticated call also ends the session (the token expired or is invalid).
 */
export type Role = 'admin' | 'sales' | 'customer';
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}
export type StockStatus = 'in_stock' | 'low_stock' | 'out_of_stock';
export interface Product {
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
export interface StockEvent {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  status: StockStatus;
  version: number;
}
export type SaleStatus = 'RESERVED' | 'COMPLETED' | 'CANCELLED';
export interface Sale {
  id: string;
  workflowId: string;
  status: SaleStatus;
  customerName: string;
  customerEmail: string;
  items: { productId: string; productName: string; quantity: number; unitPrice: number; lineTotal: number }[];
  subtotal: number;
  discount: number;
  total: number;
  expiresAt: string;
  paymentMethod: string | null;
  paymentReference: string | null;
  cancelReason: string | null;
  version: number;
  createdAt: string;
}
export interface Page<T> {
  data: T[];
  page: number;
  limit: number;
  total: number;
}
export interface Notification {
  id: number;
  kind: 'inventory' | 'sale';
  productId: string | null;
  saleId: string | null;
  status: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}
export interface UiConfig {
  temporalUiUrl: string;
  namespace: string;
  demoUsers: { email: string; name: string; role: Role }[];
  demoPasswordHint: string | null;
}

export interface Shortage {
  productId: string;
  requested: number;
  available: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail);
  }
  get shortages(): Shortage[] {
    return Array.isArray(this.body.shortages) ? (this.body.shortages as Shortage[]) : [];
  }
}

const TOKEN_KEY = 'sales-saga.token';
let token: string | null = sessionStorage.getItem(TOKEN_KEY);
let onUnauthorized: (reason: string) => void = () => undefined;

export const currentToken = (): string | null => token;

export function setToken(value: string | null): void {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** What happens when the API rejects the token (the page logs out and says why). */
export function handleUnauthorized(handler: (reason: string) => void): void {
  onUnauthorized = handler;
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's error page, say): the status line must do
  }
  const title = typeof body.title === 'string' ? body.title : res.statusText || 'Error';
  const detail = typeof body.detail === 'string' ? body.detail : `the server answered ${res.status} ${res.statusText}`;
  return new ApiError(res.status, title, detail, body);
}

/** A fresh Idempotency-Key: one per user action, reused by every retry of that action. */
export function newIdempotencyKey(): string {
  // getRandomValues works outside secure contexts too (randomUUID does not)
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** waits before each retry of a call that carries an Idempotency-Key */
const RETRY_DELAYS_MS = [500, 1_000, 2_000];
/** answers that say nothing about whether the request took effect (a proxy or the server gave up) */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

async function send(method: string, path: string, init: RequestInit, retry: boolean): Promise<Response> {
  for (let attempt = 0; ; attempt += 1) {
    const last = !retry || attempt >= RETRY_DELAYS_MS.length;
    try {
      const res = await fetch(path, { method, ...init });
      if (last || !RETRYABLE_STATUSES.has(res.status)) return res;
    } catch {
      // the answer was lost (connection reset, offline): with the same key, asking again is safe
      if (last) throw new ApiError(0, 'Network error', 'cannot reach the server; check that it is running and try again');
    }
    await new Promise((resolve) => window.setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
  }
}

/**
 * `idempotencyKey`: sent as the Idempotency-Key header, and makes the call retried when its
 * answer is lost (the server returns the first outcome again instead of acting twice).
 */
export async function api<T>(method: string, path: string, body?: unknown, options: { auth?: boolean; idempotencyKey?: string } = {}): Promise<T> {
  const auth = options.auth ?? true;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  const res = await send(method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) }, options.idempotencyKey !== undefined);
  if (!res.ok) {
    const error = await problemOf(res);
    if (res.status === 401 && auth) onUnauthorized(error.detail);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The text to show for a failed call; `names` turns product ids of a shortage into names. */
export function describeError(err: unknown, names: (productId: string) => string = (id) => id): string {
  if (!(err instanceof ApiError)) return `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
  if (err.status === 409 && err.shortages.length > 0) {
    const which = err.shortages.map((s) => `${names(s.productId)} (asked for ${s.requested}, ${s.available} available)`).join('; ');
    return `Not enough stock: ${which}. Nothing was reserved.`;
  }
  if (err.status === 0) return `${err.title}: ${err.detail}.`;
  return `${err.title}: ${err.detail}`;
}
