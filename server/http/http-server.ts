// The HTTP door. For now: liveness and readiness probes; the REST API, websocket and UI mount here.
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Listen } from '../config.ts';

export interface HttpOptions {
  listen: Listen;
  isReady: () => boolean;
}

export interface HttpListener {
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startHttp(options: HttpOptions): Promise<HttpListener> {
  const app = Fastify({ logger: false });
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (!options.isReady()) return reply.code(503).send({ status: 'starting' });
    return { status: 'ok' };
  });
  await app.listen({ host: options.listen.host, port: options.listen.port });
  const address = app.server.address() as AddressInfo;
  return { port: address.port, app, close: () => app.close() };
}
