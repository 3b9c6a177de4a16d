/**
 * Request parsing with zod: the route's schema is the one source of truth for what it accepts
 * (and, through api/openapi.ts, for what the docs say). Failures become 400 problem+json listing
 * every field that is wrong, so a client can fix them all in one go.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../shared/errors';
import { fromZod } from './problem';

type Where = 'body' | 'query' | 'path';

/** Whether the schema (through refinements, transforms and pipes) wants a JSON object. */
function expectsObject(schema: z.ZodTypeAny): boolean {
  if (schema instanceof z.ZodObject) return true;
  if (schema instanceof z.ZodEffects) return expectsObject(schema.innerType());
  if (schema instanceof z.ZodPipeline) return expectsObject(schema._def.in as z.ZodTypeAny);
  return false;
}

function describe(value: unknown): string {
  if (value === undefined) return 'no body';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The first path holding a string with a NUL character, which PostgreSQL text cannot store. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulPath(inner, path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, where: Where): T {
  const withNul = nulPath(value, '');
  if (withNul !== undefined) {
    throw AppError.badRequest(`invalid ${where}: ${withNul || where}: text must not contain NUL (\\u0000) characters`, { errors: [{ path: withNul || where, message: 'must not contain NUL characters' }] });
  }
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, where);
  return result.data;
}

export function parseBody<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, req: Request): T {
  // express.json() leaves req.body undefined when there is no body or it is not declared as JSON;
  // zod's "Required" on the root would not tell the client what to do about it.
  const body: unknown = req.body;
  if (expectsObject(schema) && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw AppError.badRequest(`request body must be a JSON object (Content-Type: application/json); got ${describe(body)}`);
  }
  return parse(schema, body, 'body');
}

/** express 5's req.query is a read-only getter: the parsed value is returned, not written back. */
export function parseQuery<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, req: Request): T {
  return parse(schema, req.query, 'query');
}

export function parseParams<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, req: Request): T {
  return parse(schema, req.params, 'path');
}

/** The Idempotency-Key header's shape (POST /sales, PATCH /products/:id/stock). */
export const idempotencyKeySchema = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** The validated Idempotency-Key header, or undefined when none was sent. */
export function parseIdempotencyKey(req: Request): string | undefined {
  const key = req.get('Idempotency-Key');
  if (key === undefined) return undefined;
  if (!idempotencyKeySchema.safeParse(key).success) throw AppError.badRequest('Idempotency-Key header must be 1–200 printable ASCII characters without spaces');
  return key;
}
