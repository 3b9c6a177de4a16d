/**
 * The API client: same origin, bearer token from the login, JSON in and out. Failures become
 * ApiError with the problem+json `title` and `detail`, so the page can show what the API said. A
 * 401 on an authenticated call also ends the session (the token expired or is invalid).
 */
import type { NotificationView, ProductView } from '../../shared/api-views';
import type { StockStatus } from '../../shared/events';
import type { SaleView } from '../../shared/sale-types';

export type Role = 'admin' | 'sales' | 'customer';
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale?: 'es' | 'en';
}
// the API's own response shapes (types only: nothing of the server reaches the bundle)
export type { StockStatus, SaleStatus } from '../../shared/events';
export type Product = ProductView;
export interface StockEvent {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  status: StockStatus;
  version: number;
}
export type Sale = SaleView;
export interface Page<T> {
  data: T[];
  page: number;
  limit: number;
  total: number;
}
export type Notification = NotificationView;
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

/**
 * The session: a short-lived access token and a refresh token (issue #12). The page refreshes the
 * access token before it expires (and once more on a 401 "token expired"); each refresh returns the
 * next refresh token. Kept in sessionStorage, so a reload keeps the session and closing the tab ends it.
 */
export interface Session {
  token: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: User;
}

const TOKEN_KEY = 'sales-saga.token';
const REFRESH_KEY = 'sales-saga.refreshToken';
const EXPIRES_KEY = 'sales-saga.expiresAt';
const LIFETIME_KEY = 'sales-saga.tokenLifetimeMs';
/** refresh when this share of the access token's life has passed */
const REFRESH_AT = 0.75;

let token: string | null = sessionStorage.getItem(TOKEN_KEY);
let onUnauthorized: (reason: string) => void = () => undefined;
let refreshTimer: number | undefined;
let refreshing: Promise<boolean> | undefined;

export const currentToken = (): string | null => token;

function scheduleRefresh(expiresAt: number): void {
  window.clearTimeout(refreshTimer);
  const lifetime = Number(sessionStorage.getItem(LIFETIME_KEY)) || 0;
  const lead = lifetime * (1 - REFRESH_AT);
  const wait = Math.max(0, expiresAt - lead - Date.now());
  refreshTimer = window.setTimeout(() => void refreshSession(), wait);
}

/** After a login, sign-up, refresh or password change: remember the session and plan its refresh. */
export function setSession(session: Session): void {
  token = session.token;
  const expiresAt = Date.now() + session.expiresIn * 1000;
  sessionStorage.setItem(TOKEN_KEY, session.token);
  sessionStorage.setItem(REFRESH_KEY, session.refreshToken);
  sessionStorage.setItem(EXPIRES_KEY, String(expiresAt));
  sessionStorage.setItem(LIFETIME_KEY, String(session.expiresIn * 1000));
  scheduleRefresh(expiresAt);
}

function clearSession(): void {
  token = null;
  window.clearTimeout(refreshTimer);
  for (const key of [TOKEN_KEY, REFRESH_KEY, EXPIRES_KEY, LIFETIME_KEY]) sessionStorage.removeItem(key);
}

/** On page load: a stored session's refresh is planned again. */
export function resumeSession(): void {
  const expiresAt = Number(sessionStorage.getItem(EXPIRES_KEY));
  if (token && expiresAt) scheduleRefresh(expiresAt);
}

/** Trades the refresh token for a new session; one at a time. False when the session is over. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    if (!refreshToken) return false;
    try {
      const res = await fetch('/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ refreshToken }) });
      if (!res.ok) return false;
      setSession((await res.json()) as Session);
      return true;
    } catch {
      return false; // offline: the next call or timer tries again
    }
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** Ends the session here and on the server (the refresh token is revoked). */
export async function logout(): Promise<void> {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  clearSession();
  if (refreshToken) {
    await fetch('/auth/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken }) }).catch(() => undefined);
  }
}

/** What happens when the API rejects the session for good (the page logs out and says why). */
export function handleUnauthorized(handler: (reason: string) => void): void {
  onUnauthorized = (reason) => {
    clearSession();
    handler(reason);
  };
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
export async function api<T>(method: string, path: string, body?: unknown, options: { auth?: boolean; retried?: boolean; idempotencyKey?: string } = {}): Promise<T> {
  const auth = options.auth ?? true;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  const res = await send(method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) }, options.idempotencyKey !== undefined);
  if (!res.ok) {
    const error = await problemOf(res);
    if (res.status === 401 && auth) {
      // an expired access token (a laptop woke from sleep, say): refresh once and try again
      if (!options.retried && error.detail === 'token expired' && (await refreshSession())) return api<T>(method, path, body, { ...options, retried: true });
      onUnauthorized(error.detail);
    }
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
