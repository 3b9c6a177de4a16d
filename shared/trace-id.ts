/**
 * The trace id of the span running now, for log lines, error bodies and the X-Trace-Id header: a
 * user's error report or a log line leads to its trace. Only the OpenTelemetry API (a no-op while
 * tracing is off: there is never an active span then), so anything may import it.
 */
import { trace } from '@opentelemetry/api';

export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
}
