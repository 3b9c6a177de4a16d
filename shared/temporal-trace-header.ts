/**
 * The trace context in a Temporal call's headers (issue #16), as `@temporalio/interceptors-opentelemetry`
 * carries it: the header `_tracer-data`, a JSON payload of W3C fields ({ traceparent, tracestate }).
 * Read by the workflow sandbox (workflows/tracing-interceptors.ts) and written by the client and
 * activity side for unpicked work (shared/unpicked-interceptors.ts), so plain data and
 * @temporalio/common only.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';

/** the header the Temporal OpenTelemetry interceptors carry the trace context in */
export const TRACE_HEADER = '_tracer-data';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface HeaderTrace {
  traceId: string;
  spanId: string;
  /** the sampled flag: whether the trace is recorded */
  sampled: boolean;
}

/** The trace context the headers carry; undefined when they carry none or one that cannot be read. */
export function headerTrace(headers: Record<string, Payload>): HeaderTrace | undefined {
  const payload = headers[TRACE_HEADER];
  if (payload === undefined) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: unknown } | null>(payload);
  const fields = typeof carrier?.traceparent === 'string' ? TRACEPARENT.exec(carrier.traceparent) : null;
  if (fields === null) return undefined;
  return { traceId: fields[1]!, spanId: fields[2]!, sampled: (parseInt(fields[3]!, 16) & 1) === 1 };
}

/** Headers carrying these W3C fields (e.g. { traceparent }) as the interceptors would. */
export function withTraceHeader(headers: Record<string, Payload>, carrier: Record<string, string>): Record<string, Payload> {
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) };
}
