/**
 * The Temporal server refuses calls with FAILED_PRECONDITION while it is starting (the namespace not
 * yet in the frontend's cache) or while a starved worker lets workflow tasks time out. The client
 * wraps that gRPC error in a ServiceError; the API answered it as a bug (500). It is a state that
 * passes: 503 problem+json with Retry-After, like the saga's request deadline.
 */
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { ServiceError } from '@temporalio/client';
import { problemHandler } from '../../api/problem';

/** shaped as @grpc/grpc-js delivers a failed call: numeric code, details text, metadata */
function grpcError(code: number, name: string, details: string): Error {
  return Object.assign(new Error(`${code} ${name}: ${details}`), { code, details, metadata: {} });
}

function appThrowing(err: unknown) {
  const app = express();
  app.use((req, _res, next) => {
    (req as unknown as { log: pino.Logger }).log = pino({ level: 'silent' });
    next();
  });
  app.post('/sales', () => {
    throw err;
  });
  app.use(problemHandler);
  return app;
}

test('FAILED_PRECONDITION from the Temporal server is a 503 with Retry-After, as problem+json', async () => {
  const refused = new ServiceError('Update-With-Start failed', { cause: grpcError(9, 'FAILED_PRECONDITION', 'Namespace sales is not ready yet') });
  const res = await request(appThrowing(refused)).post('/sales');
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.body).toMatchObject({ status: 503, title: 'Service unavailable' });
  expect(res.body.detail).toMatch(/FAILED_PRECONDITION/);
});

test('UNAVAILABLE (no Temporal frontend reachable) is a 503 too', async () => {
  const res = await request(appThrowing(new ServiceError('Failed to start Workflow', { cause: grpcError(14, 'UNAVAILABLE', 'No connection established') }))).post('/sales');
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBeDefined();
});

test('another gRPC refusal (INVALID_ARGUMENT) stays a 500 without internals', async () => {
  const res = await request(appThrowing(new ServiceError('Update-With-Start failed', { cause: grpcError(3, 'INVALID_ARGUMENT', 'bad request') }))).post('/sales');
  expect(res.status).toBe(500);
  expect(res.headers['retry-after']).toBeUndefined();
  expect(res.body.detail).not.toMatch(/INVALID_ARGUMENT/);
});
