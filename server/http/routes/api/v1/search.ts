// /api/v1/search: Mailpit's search language over the in-memory index; DELETE removes every match.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { listResponse } from '../../../listing.ts';
import { searchFilter } from '../../../message-lookup.ts';
import { OkText, Paging, SearchQuery } from '../../../schemas.ts';

export const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;

  app.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['messages'],
        summary: 'Search messages, newest first',
        querystring: Type.Object({ ...SearchQuery, ...Paging }),
        response: { 200: Type.Ref('MessagesSummary'), 400: Type.Ref('Error') },
      },
    },
    async (request) => {
      const { query, tz, start = 0, limit = 50 } = request.query;
      return listResponse(store, start, limit, searchFilter(query, tz));
    },
  );

  app.delete(
    '/api/v1/search',
    {
      schema: {
        tags: ['messages'],
        summary: 'Delete every message matching a search',
        querystring: Type.Object(SearchQuery),
        response: { 200: OkText, 400: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const filter = searchFilter(request.query.query, request.query.tz);
      if (!filter) return reply.code(400).send({ Error: 'query is required; use DELETE /api/v1/messages to delete everything' });
      const ids = store.list({ limit: Number.MAX_SAFE_INTEGER, filter }).messages.map((m) => m.ID);
      await store.delete(ids);
      return reply.type('text/plain').send('ok');
    },
  );
};
