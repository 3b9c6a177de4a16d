/**
 * Structured logging: one JSON line per event (pino). `npm start` pipes it through pino-pretty
 * when a person is watching a terminal; files, CI and log shippers get the JSON.
 */
import pino, { type Logger } from 'pino';
import { getConfig } from './config';

let root: Logger | undefined;

export function logger(): Logger {
  root ??= pino({
    level: getConfig().logLevel,
    base: { service: 'sales-saga' },
    redact: { paths: ['password', '*.password', 'req.headers.authorization', 'token'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  return root;
}

/** A child logger for one component (api, worker, consumer name, …). */
export function componentLogger(component: string): Logger {
  return logger().child({ component });
}
