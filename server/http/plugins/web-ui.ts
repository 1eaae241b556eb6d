// The web UI: the static build in web/dist at "/". Every other surface (/api, /view, /livez, /readyz) is a more
// specific route and wins; an unknown path under them still ends in the JSON 404. Basic auth, an onRequest hook on
// the root instance, covers these files like everything else.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { WEB_DIST } from '../web-build.ts';

/**
 * The UI's own pages: only its own scripts and styles (Svelte sets some inline style attributes), the preview frame
 * from this server (itself sandboxed), the websocket and API on this origin, and never framed by another site.
 */
const WEB_UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite puts content-hashed bundles under assets/; their names change with their content, so they never expire. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export async function webUiPlugin(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: WEB_DIST,
    prefix: '/',
    index: 'index.html',
    wildcard: true,
    decorateReply: false,
    // A fresh clone builds the UI at start-up, so the folder may not exist yet when routes are registered.
    suppressWarning: true,
    cacheControl: false,
    setHeaders(reply, path) {
      reply.header('Cache-Control', path.includes('/assets/') ? IMMUTABLE : 'no-cache');
      reply.header('Content-Security-Policy', WEB_UI_CSP);
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'same-origin');
    },
  });
}
