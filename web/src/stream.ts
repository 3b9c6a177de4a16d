/**
 * A Server-Sent Events subscription. EventSource cannot send headers, so the token goes in
 * `?access_token=`. EventSource reconnects by itself after a dropped connection (sending
 * Last-Event-ID); when the server refuses the stream (401, 503) it gives up, so we check the
 * session (a 401 logs out) and open a new one a little later.
 */
import { api, currentToken } from './api';

export type StreamState = 'connecting' | 'open' | 'reconnecting';

export interface StreamOptions {
  path: string;
  event: string;
  onEvent(data: unknown): void;
  /** each time the stream is (re)opened: load what may have been missed */
  onOpen?(): void;
  onState?(state: StreamState): void;
}

const RETRY_AFTER_REFUSAL_MS = 5_000;

export function openStream(options: StreamOptions): { close(): void } {
  let source: EventSource | undefined;
  let retry: number | undefined;
  let closed = false;

  const connect = (): void => {
    const token = currentToken();
    if (closed || !token) return;
    options.onState?.('connecting');
    const es = new EventSource(`${options.path}?access_token=${encodeURIComponent(token)}`);
    source = es;
    es.addEventListener('open', () => {
      options.onState?.('open');
      options.onOpen?.();
    });
    es.addEventListener(options.event, (e) => {
      try {
        options.onEvent(JSON.parse((e as MessageEvent<string>).data));
      } catch {
        // a malformed event is skipped; the next load repairs the view
      }
    });
    es.addEventListener('error', () => {
      if (closed) return;
      options.onState?.('reconnecting');
      if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      es.close();
      // refused: a 401 ends the session through api(); anything else is retried
      api('GET', '/me')
        .catch(() => undefined)
        .finally(() => {
          if (!closed) retry = window.setTimeout(connect, RETRY_AFTER_REFUSAL_MS);
        });
    });
  };

  connect();
  return {
    close() {
      closed = true;
      window.clearTimeout(retry);
      source?.close();
    },
  };
}
