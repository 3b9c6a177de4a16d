/**
 * Issue #16: the email send is a span of the trace that caused it (a child of whatever span is
 * active when the delivery sends), against the real local SMTP server. A tracer provider of the
 * test's own records the spans in memory.
 */
import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createMailer, messageIdFor, type Mailer } from '../../delivery/mailer';
import { waitForMessage } from '../helpers/mailbox';

const exporter = new InMemorySpanExporter();
let mailer: Mailer;

beforeAll(async () => {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  mailer = createMailer();
  await mailer.verify();
});

afterAll(() => {
  mailer.close();
  trace.disable();
  context.disable();
});

test('sending a mail makes an SMTP client span under the active span', async () => {
  const to = `traced-${randomUUID()}@example.com`;
  const parent = trace.getTracer('test').startSpan('deliver notification');
  await context.with(trace.setSpan(context.active(), parent), () =>
    mailer.send({ to, subject: 'Traced', text: 'traced', html: '<p>traced</p>', locale: 'en', messageId: messageIdFor(`traced-${randomUUID()}`), unsubscribeUrl: 'http://127.0.0.1:3000/unsubscribe?token=x' }),
  );
  parent.end();
  await waitForMessage(to); // the positive marker: the mail did arrive

  const send = exporter.getFinishedSpans().find((s) => s.name === 'smtp send');
  expect(send).toBeDefined();
  expect(send!.parentSpanId).toBe(parent.spanContext().spanId);
  expect(send!.spanContext().traceId).toBe(parent.spanContext().traceId);
  expect(send!.attributes).toMatchObject({ 'smtp.response': expect.stringMatching(/^250/) });
});
