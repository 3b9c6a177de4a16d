/**
 * Structured logging: one JSON line per event (pino). `npm start` pipes it through pino-pretty
 * when a person is watching a terminal; files, CI and log shippers get the JSON.
 */
import pino, { type Logger } from 'pino';
import { getConfig } from './config';
import { currentTraceId } from './trace-id';

let root: Logger | undefined;

/**
 * Credentials a URL may carry: `?access_token=` (refused by the streams, but a client may still
 * send it), the streams' one-use `?ticket=` and an unsubscribe link's `?token=` (it acts without a
 * login). None may reach the logs, nor be echoed back
 * (api/problem.ts uses this for a problem's `instance`).
 */
export const redactUrlSecrets = (url: string): string => url.replace(/([?&](?:access_token|ticket|token)=)[^&#]*/gi, '$1[redacted]');

export const redactOptions: pino.LoggerOptions['redact'] = {
  paths: ['password', '*.password', 'req.headers.authorization', 'token', 'req.url', 'req.query.access_token', 'req.query.ticket', 'ticket', 'req.query.token'],
  censor: (value: unknown, path: string[]) => (path[path.length - 1] === 'url' && typeof value === 'string' ? redactUrlSecrets(value) : '[redacted]'),
};

export function logger(): Logger {
  root ??= pino({
    level: getConfig().logLevel,
    base: { service: 'sales-saga' },
    redact: redactOptions,
    timestamp: pino.stdTimeFunctions.isoTime,
    // a line written inside a traced request, step or message names its trace (README "Tracing")
    mixin: () => {
      const traceId = currentTraceId();
      return traceId ? { trace_id: traceId } : {};
    },
  });
  return root;
}

/** A child logger for one component (api, worker, consumer name, …). */
export function componentLogger(component: string): Logger {
  return logger().child({ component });
}
