/** Which workflow calls load the OpenTelemetry interceptors (workflows/tracing-interceptors.ts, issue #16). */
import { defaultPayloadConverter } from '@temporalio/common';
import { TRACE_HEADER } from '../../shared/temporal-trace-header';
import { headersAskForTracing } from '../../workflows/tracing-interceptors';

const withCarrier = (carrier: unknown) => ({ [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) });
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

test('a trace context the sampler picked (flags 01) asks for tracing; one it did not (00) does not', () => {
  expect(headersAskForTracing(withCarrier({ traceparent: `00-${TRACE}-${SPAN}-01` }))).toBe(true);
  expect(headersAskForTracing(withCarrier({ traceparent: `00-${TRACE}-${SPAN}-00` }))).toBe(false);
  // other flag bits do not matter, only "sampled"
  expect(headersAskForTracing(withCarrier({ traceparent: `00-${TRACE}-${SPAN}-02` }))).toBe(false);
  expect(headersAskForTracing(withCarrier({ traceparent: `00-${TRACE}-${SPAN}-03`, tracestate: 'a=b' }))).toBe(true);
});

test('no trace context, or one that cannot be read, is a root: the OpenTelemetry interceptors decide', () => {
  expect(headersAskForTracing({})).toBe(true);
  expect(headersAskForTracing(withCarrier({}))).toBe(true);
  expect(headersAskForTracing(withCarrier({ traceparent: 'garbage' }))).toBe(true);
  expect(headersAskForTracing(withCarrier(null))).toBe(true);
});
