// The HTTP door: REST API v1, live events, OpenAPI, health, web UI. Cross-cutting parts are plugins; routes mirror URLs.
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Listen } from '../config.ts';
import type { HttpContext } from './context.ts';
import { basicAuthPlugin } from './plugins/basic-auth.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { indexBarrierPlugin } from './plugins/index-barrier.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { refusedUpgradesPlugin } from './plugins/refused-upgrades.ts';
import { webUiPlugin } from './plugins/web-ui.ts';
import { eventsRoutes } from './routes/api/events.ts';
import { chaosRoutes } from './routes/api/v1/chaos.ts';
import { checksRoutes } from './routes/api/v1/checks.ts';
import { releaseRoutes } from './routes/api/v1/release.ts';
import { inboxesRoutes } from './routes/api/v1/inboxes.ts';
import { infoRoutes } from './routes/api/v1/info.ts';
import { messageRoutes } from './routes/api/v1/message.ts';
import { messagesRoutes } from './routes/api/v1/messages.ts';
import { searchRoutes } from './routes/api/v1/search.ts';
import { sendRoutes } from './routes/api/v1/send.ts';
import { tagsRoutes } from './routes/api/v1/tags.ts';
import { waitRoutes } from './routes/api/v1/wait.ts';
import { inboxRoutes } from './routes/api/v1/inbox.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { viewRoutes } from './routes/view.ts';

export interface HttpListener {
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

async function buildHttpApp(context: HttpContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: false, ajv: { customOptions: { coerceTypes: true, removeAdditional: false } } }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('mailcove', context);
  await app.register(errorsPlugin);
  await app.register(indexBarrierPlugin);
  await app.register(refusedUpgradesPlugin);
  await app.register(basicAuthPlugin);
  if (context.config.apiCors.length) {
    const origins = context.config.apiCors;
    await app.register(cors, { origin: origins.includes('*') ? '*' : origins, methods: ['GET', 'PUT', 'POST', 'DELETE'] });
  }
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(openApiPlugin);
  for (const routes of [healthRoutes, messagesRoutes, searchRoutes, messageRoutes, checksRoutes, releaseRoutes, chaosRoutes, sendRoutes, tagsRoutes, inboxesRoutes, inboxRoutes, waitRoutes, infoRoutes, metricsRoutes, viewRoutes, eventsRoutes]) {
    await app.register(routes);
  }
  await app.register(webUiPlugin);
  return app;
}

export async function startHttp(listen: Listen, context: HttpContext): Promise<HttpListener> {
  const app = await buildHttpApp(context);
  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address() as AddressInfo;
  return { port: address.port, app, close: () => app.close() };
}
