// Optional HTTP Basic auth on every surface (UI, API, websocket, /view), as Mailpit's --ui-auth-file, with the send
// API on its own credentials when --send-api-auth-file is given. Health probes stay open for orchestrators.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { basicCredentials, checkPassword } from '../password-check.ts';

const OPEN_PATHS = new Set(['/livez', '/readyz']);

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
    if (request.headers.upgrade) {
      // A refused websocket upgrade owns its raw socket; end it once the 401 is out, or it lingers forever.
      reply.header('Connection', 'close');
      reply.raw.once('finish', () => request.raw.socket?.destroy());
    }
    return reply.code(401).send({ Error: 'authentication required' });
  });
});
