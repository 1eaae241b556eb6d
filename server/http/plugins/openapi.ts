// The OpenAPI document, generated from the route schemas, at /api/v1/swagger.json, with a browsable page at
// /api/docs (assets served locally by @fastify/swagger-ui; nothing is fetched from the internet).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sharedSchemas } from '../schemas.ts';

export const openApiPlugin = fp(async (app: FastifyInstance) => {
  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Mailcove API',
        version: 'v1',
        description: 'Wire-compatible with Mailpit API v1, plus Mailcove additions (inboxes, Envelope/Client metadata).',
      },
      tags: [
        { name: 'messages' },
        { name: 'message' },
        { name: 'tags' },
        { name: 'testing' },
        { name: 'application' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/api/v1/swagger.json', { schema: { hide: true } }, async () => app.swagger());
});
