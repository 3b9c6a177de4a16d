/**
 * A Server-Sent Events subscription. EventSource cannot send headers, and a bearer token must not
 * travel in a URL (URLs are logged), so each connection opens with a one-use ticket from
 * POST /stream-tickets (`?ticket=`). A used ticket cannot open the stream again, so the browser's
 * own reconnection would be refused: on any error (a dropped connection, the server ending the
 * stream when the token expires, a refusal) we close the EventSource and reconnect ourselves with a
 * new ticket, after a growing delay. Streams that resume by event id (`resume`) get the last id seen
 * as `?lastEventId=`. Asking for a ticket is an authenticated call: a 401 ends the session (api()).
 */
import { ApiError, api, currentToken } from './api';

export type StreamState = 'connecting' | 'open' | 'reconnecting';

export interface StreamOptions {
  path: string;
  event: string;
  onEvent(data: unknown): void;
  /** each time the stream is (re)opened: load what may have been missed */
  onOpen?(): void;
  onState?(state: StreamState): void;
  /** the stream's event ids are resume points: send the last one seen when reconnecting */
  resume?: boolean;
}

const RETRY_MS = { first: 1_000, max: 30_000 };

export function openStream(options: StreamOptions): { close(): void } {
  let source: EventSource | undefined;
  let retry: number | undefined;
  let closed = false;
  let failures = 0;
  let lastEventId: string | undefined;

  const reconnectLater = (): void => {
    if (closed) return;
    options.onState?.('reconnecting');
    const delay = Math.min(RETRY_MS.first * 2 ** failures, RETRY_MS.max);
    failures += 1;
    retry = window.setTimeout(() => void connect(), delay);
  };

  const connect = async (): Promise<void> => {
    if (closed || !currentToken()) return;
    if (failures === 0) options.onState?.('connecting');
    let ticket: string;
    try {
      ({ ticket } = await api<{ ticket: string }>('POST', '/stream-tickets'));
    } catch (err) {
      // 401: api() has ended the session; anything else may pass
      if (!(err instanceof ApiError && err.status === 401)) reconnectLater();
      return;
    }
    if (closed) return;
    const query = new URLSearchParams({ ticket });
    if (options.resume && lastEventId) query.set('lastEventId', lastEventId);
    const es = new EventSource(`${options.path}?${query.toString()}`);
    source = es;
    es.addEventListener('open', () => {
      failures = 0;
      options.onState?.('open');
      options.onOpen?.();
    });
    es.addEventListener(options.event, (e) => {
      const message = e as MessageEvent<string>;
      if (options.resume && message.lastEventId) lastEventId = message.lastEventId;
      try {
        options.onEvent(JSON.parse(message.data));
      } catch {
        // a malformed event is skipped; the next load repairs the view
      }
    });
    es.addEventListener('error', () => {
      es.close();
      reconnectLater();
    });
  };

  void connect();
  return {
    close() {
      closed = true;
      window.clearTimeout(retry);
      source?.close();
    },
  };
}
