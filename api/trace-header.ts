/**
 * A request's trace (issue #16): every response names it in X-Trace-Id, so a caller can look it
 * up, and a request whose trace the sampler did not pick goes on without spans.
 */
import { trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { currentTraceId, withoutSpans } from '../shared/trace-id';

export const traceIdHeader: RequestHandler = (_req, res, next) => {
  const traceId = currentTraceId();
  if (traceId) res.setHeader('X-Trace-Id', traceId);
  next();
};

/**
 * The HTTP server span is the request's first; when it is not recorded, the route runs in no span
 * (shared/trace-id.ts withoutSpans): its queries and its Temporal call make none, the call's headers
 * carry the trace with the sampled flag off. Before every other middleware. Tracing off: no span, only next().
 */
export const unpickedRequestWithoutSpans: RequestHandler = (_req, _res, next) => {
  const span = trace.getActiveSpan();
  const unpicked = span && !span.isRecording() ? span.spanContext() : undefined;
  if (unpicked && trace.isSpanContextValid(unpicked)) withoutSpans(unpicked, next);
  else next();
};
