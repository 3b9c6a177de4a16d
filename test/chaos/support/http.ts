/** A small HTTP client for the API process (node's fetch), with per-request timeouts. */

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  /** 0 when the request did not get an answer (connection refused, reset, timeout) */
  error?: string;
  ms: number;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<HttpResult<T>> {
    const started = performance.now();
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: body as T, ms: performance.now() - started };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { status: 0, body: {} as T, error: e.cause?.code ?? e.name ?? e.message, ms: performance.now() - started };
    }
  }

  async login(email: string, password: string): Promise<string> {
    const res = await this.request<{ token: string }>('POST', '/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login as ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token;
  }

  /** Waits until GET /readyz answers 200 (all three servers reachable from the API). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: HttpResult | undefined;
    while (Date.now() < deadline) {
      last = await this.request('GET', '/readyz', { timeoutMs: 5_000 });
      if (last.status === 200) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`API at ${this.baseUrl} not ready within ${timeoutMs} ms: ${last?.status} ${JSON.stringify(last?.body)}`);
  }
}
