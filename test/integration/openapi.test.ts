/** The OpenAPI document is generated from the routes' zod schemas and served with Swagger UI. */
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

interface Doc {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> }; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
}

test('GET /openapi.json is an OpenAPI 3.1 document of the routes, without a token', async () => {
  const res = await request(ctx.app).get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const doc = res.body as Doc;
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.info.title).toBe('sales-saga');
  expect(doc.paths['/auth/login']?.post).toBeDefined();
  expect(doc.paths['/me']?.get).toBeDefined();
  expect(Object.keys(doc.paths['/products'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(doc.paths['/products/{id}']?.get).toBeDefined();
  expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
});

test('the document carries the validation schemas and the problem responses', async () => {
  const doc = (await request(ctx.app).get('/openapi.json')).body as Doc;
  const post = doc.paths['/products']!.post!;
  expect(post.security).toEqual([{ bearerAuth: [] }]);
  expect(post.requestBody?.content['application/json']?.schema.$ref).toBe('#/components/schemas/CreateProductRequest');
  expect(doc.components.schemas.CreateProductRequest?.required?.sort()).toEqual(['name', 'price', 'sku', 'stock']);
  expect(post.responses['409']).toEqual({ description: expect.any(String), content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  expect(doc.components.schemas.Problem?.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail']));
  // login is public: no security requirement
  expect(doc.paths['/auth/login']!.post!.security).toBeUndefined();
});

test('/docs serves Swagger UI pointed at /openapi.json', async () => {
  const redirect = await request(ctx.app).get('/docs');
  expect(redirect.status).toBe(301);
  expect(redirect.headers.location).toBe('/docs/');

  const page = await request(ctx.app).get('/docs').redirects(1);
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.text).toContain('swagger-ui');

  const init = await request(ctx.app).get('/docs/swagger-ui-init.js');
  expect(init.status).toBe(200);
  expect(init.text).toContain('"swaggerUrl": "/openapi.json"');
  const asset = await request(ctx.app).get('/docs/swagger-ui-bundle.js');
  expect(asset.status).toBe(200);
});
