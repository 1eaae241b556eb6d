// Liveness and readiness probes; open even when Basic auth is on.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const Status = Type.Object({ status: Type.String() });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/livez', { schema: { tags: ['application'], summary: 'Liveness probe', response: { 200: Status } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['application'], summary: 'Readiness probe: 200 once SMTP accepts mail', response: { 200: Status, 503: Status } } }, async (_req, reply) => {
    if (!app.mailcove.isReady()) return reply.code(503).send({ status: 'starting' });
    return { status: 'ok' };
  });
};
