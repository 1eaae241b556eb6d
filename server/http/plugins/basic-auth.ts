// Optional HTTP Basic auth on every surface (UI, API, websocket, /view), as Mailpit's --ui-auth-file, with the send
// API on its own credentials when --send-api-auth-file is given. Health probes stay open for orchestrators.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { checkPassword } from '../../auth/passwords.ts';

const OPEN_PATHS = new Set(['/livez', '/readyz']);

/** Parses an `Authorization: Basic …` header; null when absent or malformed. */
function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function allowed(users: Map<string, string>, header: string | undefined): boolean {
  const credentials = basicCredentials(header);
  if (!credentials) return false;
  const stored = users.get(credentials.user);
  return stored !== undefined && checkPassword(stored, credentials.password);
}

export const basicAuthPlugin = fp(async (app: FastifyInstance) => {
  const { uiUsers, sendApiUsers, sendApiAcceptAny } = app.mailcove.config;
  if (!uiUsers && !sendApiUsers) return;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return;
    let users = uiUsers;
    if (path === '/api/v1/send') {
      if (sendApiAcceptAny) return;
      users = sendApiUsers ?? uiUsers;
    }
    if (!users || allowed(users, request.headers.authorization)) return;
    reply.header('WWW-Authenticate', 'Basic realm="Mailcove", charset="UTF-8"');
    return reply.code(401).send({ Error: 'authentication required' });
  });
});
