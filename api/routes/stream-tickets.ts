/**
 * POST /stream-tickets: a one-use, short-lived credential for opening one live stream
 * (/notifications/stream or /products/stream) with `?ticket=`, so a browser's EventSource never
 * carries the bearer token in a URL. See api/services/stream-tickets.ts.
 */
import { Router } from 'express';
import { z } from 'zod';
import { getConfig } from '../../shared/config';
import { accessExpiresAt, authenticate } from '../auth/middleware';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { issueStreamTicket } from '../services/stream-tickets';

const ticketSchema = z
  .object({
    ticket: z.string().openapi({ description: 'pass as `?ticket=` to a stream endpoint; valid once' }),
    expiresIn: z.number().int().openapi({ description: 'seconds until it can no longer be used', example: 60 }),
  })
  .openapi('StreamTicket');

openapi.registerPath({
  method: 'post', path: '/stream-tickets', tags: ['notifications'], security: secured,
  summary: 'A one-use ticket to open a live stream (EventSource cannot send an Authorization header)',
  description:
    'Opens one stream (GET /notifications/stream or GET /products/stream with `?ticket=`) within `expiresIn` seconds. ' +
    'The stream then lives until the token used here expires. Get a new ticket before every reconnect.',
  responses: { 201: jsonResponse('The ticket', ticketSchema), 401: problemResponse('Not authenticated') },
});

export function streamTicketRoutes(deps: Dependencies): Router {
  const router = Router();
  router.post('/stream-tickets', authenticate, async (_req, res) => {
    const issued = await issueStreamTicket(deps.db, currentUser(res).id, accessExpiresAt(res), getConfig().streams.ticketTtlSeconds);
    res.status(201).setHeader('Cache-Control', 'no-store');
    res.json(issued);
  });
  return router;
}
