/**
 * Imported first by every entry point (bin/*.ts): tracing must start before http, express, pg and
 * kafkajs are loaded, or their instrumentations cannot hook them. The entry point's file name
 * names the process in the trace (sales-saga-api, -worker, -consumers, -delivery; `npm start`'s
 * one process is sales-saga-all).
 */
import { basename, extname } from 'node:path';
import { ConfigError } from '../shared/config';
import { startTracing } from '../shared/tracing';

const entry = process.argv[1] ? basename(process.argv[1], extname(process.argv[1])) : 'all';
/** entry points whose process has another name in a trace (the bench's worker is the worker) */
const PROCESS_NAMES: Record<string, string> = { start: 'all', 'worker-process': 'worker' };
try {
  startTracing(PROCESS_NAMES[entry] ?? entry);
} catch (err) {
  // runUntilSignal reports a configuration mistake as one line; anything else is a bug
  if (!(err instanceof ConfigError)) throw err;
}
