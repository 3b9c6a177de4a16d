/**
 * The OpenAPI document, generated from the same zod schemas the routes validate with, so the docs
 * cannot drift from the behaviour. Each route file registers its paths on `openapi` at module load;
 * the document is built when asked for, after every route module has been loaded.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';

// Adds `.openapi()` to zod schemas; must run before any route module defines its schemas, which
// holds because they all import `openapi` from here.
extendZodWithOpenApi(z);

export const openapi = new OpenAPIRegistry();

export const bearerAuth = openapi.registerComponent('securitySchemes', 'bearerAuth', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'A token from POST /auth/login',
});

/** `security` for routes behind `authenticate`. */
export const secured = [{ [bearerAuth.name]: [] }];

/** The body of every error response (RFC 9457), as written by api/problem.ts. */
export const problemSchema = openapi.register(
  'Problem',
  z
    .object({
      type: z.string().openapi({ example: 'about:blank' }),
      title: z.string().openapi({ example: 'Bad request' }),
      status: z.number().int().openapi({ example: 400 }),
      detail: z.string().openapi({ example: 'invalid body: price: Expected number, received string' }),
      instance: z.string().optional().openapi({ example: '/products' }),
      errors: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: 'one entry per invalid field (validation failures only)' }),
      traceId: z.string().optional().openapi({ description: 'the trace of the request, when tracing is on (README "Tracing")', example: '4bf92f3577b34da6a3ce929d0e0e4736' }),
    })
    .passthrough(),
);

/** A problem+json response for the OpenAPI `responses` map of a route. */
export function problemResponse(description: string): ResponseConfig {
  return { description, content: { 'application/problem+json': { schema: problemSchema } } };
}

export function jsonResponse(description: string, schema: z.ZodTypeAny): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

export function openApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  return new OpenApiGeneratorV31(openapi.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'sales-saga',
      version: '0.1.0',
      description: 'Sales run as Temporal sagas, inventory events on a Kafka-API broker, real-time notifications.',
    },
  });
}

export function openApiRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  // serveFiles keeps its own init script (swaggerUi.serve shares one global per process).
  // GET /docs redirects to /docs/ so the page's relative asset URLs resolve under /docs/.
  const ui = { swaggerUrl: '/openapi.json', customSiteTitle: 'sales-saga API', swaggerOptions: { persistAuthorization: true } };
  router.use('/docs', swaggerUi.serveFiles(undefined, ui), swaggerUi.setup(undefined, ui));
  return router;
}
