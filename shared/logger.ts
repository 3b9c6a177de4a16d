/**
 * Structured logging: one JSON line per event (pino). `npm start` pipes it through pino-pretty
 * when a person is watching a terminal; files, CI and log shippers get the JSON.
 */
import pino, { type Logger } from 'pino';
import { getConfig } from './config';

let root: Logger | undefined;

/** `?access_token=` (the SSE stream's token for browsers' EventSource) must not reach the logs either. */
const stripQueryToken = (url: string): string => url.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');

export const redactOptions: pino.LoggerOptions['redact'] = {
  paths: ['password', '*.password', 'req.headers.authorization', 'token', 'req.url', 'req.query.access_token'],
  censor: (value: unknown, path: string[]) => (path[path.length - 1] === 'url' && typeof value === 'string' ? stripQueryToken(value) : '[redacted]'),
};

export function logger(): Logger {
  root ??= pino({
    level: getConfig().logLevel,
    base: { service: 'sales-saga' },
    redact: redactOptions,
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  return root;
}

/** A child logger for one component (api, worker, consumer name, …). */
export function componentLogger(component: string): Logger {
  return logger().child({ component });
}
