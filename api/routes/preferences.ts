/**
 * The caller's notification preferences (issue #13): a category × channel grid over the role's
 * defaults, "all email" on or off, the products whose emails they left, and when the daily digest
 * goes out (a local hour in an IANA time zone).
 */
import { Router } from 'express';
import { z } from 'zod';
import { CADENCES, CATEGORIES } from '../../delivery/preferences';
import { isTimeZone } from '../../shared/config';
import { authenticate } from '../auth/middleware';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { getPreferences, updatePreferences } from '../services/preferences';
import { parseBody } from '../validate';
import { writeLimiter } from '../write-limit';

const cadence = z.enum(CADENCES);
const cell = z.object({ in_app: cadence.optional().openapi({ description: 'off | immediate' }), email: cadence.optional() }).strict();
const gridSchema = z.record(z.enum(CATEGORIES), cell).openapi({
  description: 'customers: followed_stock, own_sales; staff: stock_changes, sales, low_stock',
  example: { followed_stock: { in_app: 'immediate', email: 'immediate' } },
});

const digestTime = z.object({
  hour: z.number().int().min(0).max(23).openapi({ description: 'local hour of the daily digest', example: 8 }),
  timeZone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/Madrid').openapi({ example: 'Europe/Madrid' }),
});

const preferencesSchema = z
  .object({
    grid: gridSchema,
    email: z.boolean().openapi({ description: 'false: no email at all' }),
    mutedProducts: z.array(z.string()).openapi({ description: "products whose emails the user left with an email's unsubscribe link" }),
    digest: digestTime.openapi({ description: 'when the daily digest goes out (hourly digests: every full hour)' }),
  })
  .openapi('Preferences');

const preferencesChange = z
  .object({
    grid: gridSchema.optional(),
    email: z.boolean().optional(),
    unmuteProducts: z.array(z.string().min(1).max(64)).max(1000).optional(),
    digest: digestTime.partial().strict().optional(),
  })
  .strict()
  .openapi('PreferencesChange');

openapi.registerPath({
  method: 'get', path: '/me/preferences', tags: ['notifications'], security: secured,
  summary: 'Your notification preferences (role defaults with your changes over them)',
  responses: { 200: jsonResponse('The preferences', preferencesSchema), 401: problemResponse('Not authenticated') },
});
openapi.registerPath({
  method: 'put', path: '/me/preferences', tags: ['notifications'], security: secured,
  summary: 'Change some of your notification preferences (what is left out stays as it is)',
  request: { body: { required: true, content: { 'application/json': { schema: preferencesChange } } } },
  responses: {
    200: jsonResponse('The preferences after the change', preferencesSchema),
    400: problemResponse('Invalid body, a category not of your role, in-app with a digest cadence, or an unknown time zone'),
    401: problemResponse('Not authenticated'),
    429: problemResponse('More than WRITE_RATE_LIMIT_PER_MINUTE writes this minute (see Retry-After)'),
  },
});

export function preferenceRoutes(deps: Dependencies): Router {
  const router = Router();

  router.get('/me/preferences', authenticate, async (_req, res) => {
    const user = currentUser(res);
    res.json(await getPreferences(deps.db, user.id, user.role));
  });

  router.put('/me/preferences', authenticate, writeLimiter(), async (req, res) => {
    const user = currentUser(res);
    res.json(await updatePreferences(deps.db, user.id, user.role, parseBody(preferencesChange, req)));
  });

  return router;
}
