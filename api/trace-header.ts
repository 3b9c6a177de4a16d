/** Tracing on (shared/tracing.ts): every response names its trace in X-Trace-Id, so a caller can look it up. */
import type { RequestHandler } from 'express';
import { currentTraceId } from '../shared/trace-id';

export const traceIdHeader: RequestHandler = (_req, res, next) => {
  const traceId = currentTraceId();
  if (traceId) res.setHeader('X-Trace-Id', traceId);
  next();
};
