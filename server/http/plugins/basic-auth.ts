// HTTP Basic auth on every surface (UI, API, websocket, /view), and which inboxes each request may see.
// - --ui-auth-file (Mailpit's): its users are admins and see everything; without a login nothing is served.
// - --send-api-auth-file / --send-api-auth-accept-any: the send API's own credentials.
// - --inbox-auth-file (Mailcove's): logging in as an inbox shows only that inbox (a listed one needs its password,
//   an unlisted name is accepted as is), and requests that are not logged in as an inbox never see listed ones.
// The scoping itself is enforced once, in a preHandler: any route with a message ID answers 404 for a message the
// request may not see (and resolves `latest` among those it may), and an `inbox` parameter naming an invisible
// inbox is a 404. Listing routes narrow their results with requestScope() (message-lookup.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { accessFilter, ALL_ACCESS, canSee, type InboxAccess } from '../../auth/inbox-auth.ts';
import { checkPassword } from '../../auth/passwords.ts';
import { notFound } from '../context.ts';
import { resolveMessage } from '../message-lookup.ts';

const OPEN_PATHS = new Set(['/livez', '/readyz']);

declare module 'fastify' {
  interface FastifyRequest {
    /** Which inboxes this request may see; set for every request by the auth plugin. */
    inboxAccess: InboxAccess;
  }
}

/** Parses an `Authorization: Basic …` header; null when absent or malformed. */
function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function listed(users: Map<string, string> | null, credentials: { user: string; password: string } | null): boolean {
  if (!credentials || !users) return false;
  const stored = users.get(credentials.user);
  return stored !== undefined && checkPassword(stored, credentials.password);
}

export const basicAuthPlugin = fp(async (app: FastifyInstance) => {
  const { uiUsers, sendApiUsers, sendApiAcceptAny } = app.mailcove.config;
  const { inboxAuth } = app.mailcove;
  app.decorateRequest('inboxAccess');

  const refuse = (reply: FastifyReply) => {
    reply.header('WWW-Authenticate', 'Basic realm="Mailcove", charset="UTF-8"');
    return reply.code(401).send({ Error: 'authentication required' });
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    request.inboxAccess = ALL_ACCESS;
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return;
    const credentials = basicCredentials(request.headers.authorization);
    if (path === '/api/v1/send' && (sendApiAcceptAny || sendApiUsers)) {
      return sendApiAcceptAny || listed(sendApiUsers, credentials) ? undefined : refuse(reply);
    }
    if (listed(uiUsers, credentials)) return;
    if (inboxAuth.configured) {
      if (credentials) {
        const check = inboxAuth.check(credentials.user, credentials.password);
        if (check === 'pass' || (check === 'unlisted' && !uiUsers)) {
          request.inboxAccess = { kind: 'inbox', name: credentials.user };
          return;
        }
        return refuse(reply);
      }
      if (!uiUsers) {
        request.inboxAccess = { kind: 'unprotected', auth: inboxAuth };
        return;
      }
    }
    if (uiUsers) return refuse(reply);
  });

  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.inboxAccess;
    if (access.kind === 'all') return;
    const query = (request.query ?? {}) as { inbox?: unknown; query?: unknown; tz?: unknown };
    if (typeof query.inbox === 'string' && !canSee(access, query.inbox)) throw notFound('inbox');
    const params = (request.params ?? {}) as { ID?: string };
    if (typeof params.ID === 'string') params.ID = visibleId(params.ID, access, query);
  });

  /** The message a scoped request names: its own ID if visible, `latest` among the visible ones, else 404. */
  function visibleId(id: string, access: InboxAccess, query: { query?: unknown; tz?: unknown }): string {
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return resolveMessage(app.mailcove.store, id, { query: text(query.query), tz: text(query.tz) }, accessFilter(access)).ID;
  }
});
