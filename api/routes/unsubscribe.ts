/**
 * The link every email carries (List-Unsubscribe): `/unsubscribe?token=…`, signed, no login.
 * - GET (a person clicking it): a small page in their language saying what stops, with a confirm
 *   button and "unsubscribe from all email". GET changes nothing: link scanners and previews open
 *   links, and must not unsubscribe anyone.
 * - POST: one-click (RFC 8058: a mail client posts `List-Unsubscribe=One-Click`) or the page's
 *   form (`scope=all` widens it to all email). Applies the token's scope: a customer's product, a
 *   staff category, or all email. A browser (Accept: text/html) gets a page; anything else JSON.
 * A bad or expired token: 400 (a page for a browser, problem+json otherwise).
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { MailLocale } from '../../delivery/mailer';
import { confirmPage, donePage, invalidPage, scopeLabel } from '../../delivery/templates/unsubscribe-page';
import { UNSUBSCRIBE_PATH, verifyUnsubscribeToken, type UnsubscribeRequest } from '../../delivery/unsubscribe-links';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse } from '../openapi';
import { unsubscribe, unsubscribeContext } from '../services/preferences';

const query = z.object({ token: z.string().min(1).max(4096).openapi({ description: 'the signed token from the email' }) });
const postBody = z
  .object({
    'List-Unsubscribe': z.literal('One-Click').optional().openapi({ description: 'RFC 8058 one-click' }),
    scope: z.literal('all').optional().openapi({ description: 'stop all email, not only what the link names' }),
  })
  .passthrough()
  .openapi('UnsubscribeForm');

openapi.registerPath({
  method: 'get', path: UNSUBSCRIBE_PATH, tags: ['notifications'],
  summary: "An email's unsubscribe link: a confirmation page (changes nothing)",
  request: { query },
  responses: { 200: { description: 'HTML page with a confirm button', content: { 'text/html': { schema: z.string() } } }, 400: { description: 'HTML page: the link is invalid or expired', content: { 'text/html': { schema: z.string() } } } },
});
openapi.registerPath({
  method: 'post', path: UNSUBSCRIBE_PATH, tags: ['notifications'],
  summary: 'Unsubscribe (RFC 8058 one-click, or the confirmation page)',
  request: { query, body: { required: false, content: { 'application/x-www-form-urlencoded': { schema: postBody } } } },
  responses: {
    200: jsonResponse('Unsubscribed (an HTML page when the client accepts text/html)', z.object({ unsubscribed: z.object({ kind: z.enum(['product', 'category', 'all']) }).passthrough() })),
    400: problemResponse('The token is missing, invalid or expired'),
    404: problemResponse('The account no longer exists'),
  },
});

function requestLocale(req: Request): MailLocale {
  return req.acceptsLanguages('es', 'en') === 'en' ? 'en' : 'es';
}

const wantsHtml = (req: Request): boolean => req.accepts(['json', 'html']) === 'html';

const FAILURES = { expired: 'the unsubscribe link has expired', 'bad-signature': 'the unsubscribe link is not genuine', 'wrong-purpose': 'the token is not an unsubscribe token', malformed: 'the unsubscribe link is malformed' } as const;

/** the verified request, or undefined after answering 400 */
async function verified(req: Request, res: Response, html: boolean): Promise<UnsubscribeRequest | undefined> {
  const parsed = query.safeParse(req.query);
  const result = parsed.success ? await verifyUnsubscribeToken(parsed.data.token) : undefined;
  if (result?.ok) return result.request;
  const detail = result ? FAILURES[result.reason] : 'the unsubscribe link has no token';
  if (!html) throw AppError.badRequest(detail, { reason: result?.reason ?? 'missing' });
  res.status(400).type('html').send(invalidPage(requestLocale(req)));
  return undefined;
}

export function unsubscribeRoutes(deps: Dependencies): Router {
  const router = Router();

  router.get(UNSUBSCRIBE_PATH, async (req, res) => {
    const request = await verified(req, res, true);
    if (!request) return;
    const context = await unsubscribeContext(deps.db, request);
    if (!context) {
      res.status(404).type('html').send(invalidPage(requestLocale(req)));
      return;
    }
    res.set('Cache-Control', 'no-store').type('html').send(confirmPage(context.locale, req.originalUrl, scopeLabel(context.locale, request.scope, context.productName)));
  });

  router.post(UNSUBSCRIBE_PATH, express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    const html = wantsHtml(req);
    const request = await verified(req, res, html);
    if (!request) return;
    const form = postBody.safeParse(req.body ?? {});
    const scope = form.success && form.data.scope === 'all' ? { kind: 'all' as const } : request.scope;
    const context = await unsubscribeContext(deps.db, request);
    await unsubscribe(deps.db, { userId: request.userId, scope });
    if (!html) {
      res.json({ unsubscribed: scope });
      return;
    }
    const locale = context?.locale ?? requestLocale(req);
    res.type('html').send(donePage(locale, scope.kind === 'all' ? undefined : scopeLabel(locale, scope, context?.productName)));
  });

  return router;
}
