/**
 * The live page (issue #6): the static files `npm run build:web` writes to web/dist/, served at `/`,
 * and GET /ui-config, the little the page needs to know about this deployment. The page is built
 * at install/CI time (scripts/test.sh, scripts/start.sh); when it was not, `/` says how to build it
 * instead of a bare 404.
 */
import { join } from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { getConfig } from '../../shared/config';
import { DEMO_USERS } from '../../shared/demo-data';
import { ROLES } from '../auth/types';
import { jsonResponse, openapi } from '../openapi';

export const WEB_DIST = join(__dirname, '..', '..', 'web', 'dist');
const DEFAULT_DEMO_PASSWORD = 'demo-password';

// the built page loads only its own files and talks only to this API
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const uiConfigSchema = z
  .object({
    temporalUiUrl: z.string().openapi({ example: 'http://127.0.0.1:8233' }),
    namespace: z.string().openapi({ example: 'default' }),
    demoUsers: z
      .array(z.object({ email: z.string(), name: z.string(), role: z.enum(ROLES) }))
      .openapi({ description: 'empty unless demo data is seeded (development)' }),
    demoPasswordHint: z
      .string()
      .nullable()
      .openapi({ description: 'the demo password when it is the default one; otherwise a hint naming DEMO_PASSWORD; null without demo data' }),
  })
  .openapi('UiConfig');

openapi.registerPath({
  method: 'get', path: '/ui-config', tags: ['page'],
  summary: 'What the live page needs to know: the Temporal Web UI and, in development, the demo users',
  responses: { 200: jsonResponse('The page configuration', uiConfigSchema) },
});

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sales-saga: page not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>The page has not been built</h1>
<p>The API is running, but <code>web/dist/</code> is missing. Build the page with</p>
<pre>npm run build:web</pre>
<p>(<code>npm start</code> and <code>npm test</code> do it for you), then reload. The API itself is documented at <a href="/docs/">/docs</a>.</p>
</body></html>
`;

export function webRoutes(): Router {
  const router = Router();

  router.get('/ui-config', (_req, res) => {
    const cfg = getConfig();
    const demo = cfg.demo.seed;
    res.set('Cache-Control', 'no-store').json({
      temporalUiUrl: cfg.temporal.uiUrl.replace(/\/+$/, ''),
      namespace: cfg.temporal.namespace,
      demoUsers: demo ? DEMO_USERS.map(({ email, name, role }) => ({ email, name, role })) : [],
      // a password someone chose is not shown, only where it comes from
      demoPasswordHint: !demo ? null : cfg.demo.password === DEFAULT_DEMO_PASSWORD ? DEFAULT_DEMO_PASSWORD : 'the DEMO_PASSWORD you set',
    });
  });

  router.use(
    express.static(WEB_DIST, {
      index: 'index.html',
      setHeaders: (res, path) => {
        if (path.endsWith('.html')) {
          res.setHeader('Cache-Control', 'no-cache');
          res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
          res.setHeader('X-Content-Type-Options', 'nosniff');
        } else if (path.includes(join('dist', 'assets'))) {
          // Vite puts a content hash in these names
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        }
      },
    }),
  );

  // reached only when express.static found no index.html: the page was never built
  router.get(['/', '/index.html'], (_req, res) => {
    res.status(503).set('Cache-Control', 'no-store').type('html').send(NOT_BUILT_PAGE);
  });

  return router;
}
