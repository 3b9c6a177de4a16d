/**
 * A real Server-Sent Events client for tests: node's fetch streaming the response of a real HTTP
 * server, parsed by the spec (id:, event:, data:, comment lines), each event stamped on arrival.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  /** Date.now() when the event was complete */
  receivedAt: number;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** the body, for a response that is not an event stream */
  errorBody?: string;
  events: SseEvent[];
  /** comment lines seen (keep-alives) */
  comments: number;
  /** resolves with the first event (already received or arriving) that matches */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
  /** resolves when the stream has ended (the server closed it, the connection broke, or close()) */
  ended: Promise<void>;
}

export function json<T = Record<string, unknown>>(e: SseEvent): T {
  return JSON.parse(e.data) as T;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }>();
  const client: SseClient = {
    status: res.status,
    headers: res.headers,
    events,
    comments: 0,
    async waitFor(match, timeoutMs = 5_000) {
      const seen = events.find(match);
      if (seen) return seen;
      return new Promise<SseEvent>((resolve, reject) => {
        const waiter = {
          match,
          resolve: (e: SseEvent) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching SSE event within ${timeoutMs} ms; got ${events.length}: ${events.map((e) => e.data).join(' | ')}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => abort.abort(),
    ended: Promise.resolve(),
  };
  if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    client.errorBody = await res.text();
    return client;
  }

  const dispatch = (e: SseEvent) => {
    events.push(e);
    for (const w of [...waiters]) if (w.match(e)) w.resolve(e);
  };
  client.ended = (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let id: string | undefined;
    let event = '';
    let data: string[] = [];
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') {
            if (data.length > 0) dispatch({ id, event: event || 'message', data: data.join('\n'), receivedAt: Date.now() });
            event = '';
            data = [];
            continue;
          }
          if (line.startsWith(':')) {
            client.comments += 1;
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(val);
          else if (field === 'event') event = val;
          else if (field === 'id') id = val;
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return client;
}

/** The app on a real port (SSE needs a real socket); close() also drops open streams. */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
