// /api/v1/search: Mailpit's search language over the in-memory index; DELETE removes every match.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listResponse } from '../../../listing.ts';
import { both, requestScope, searchFilter, selectIds } from '../../../message-lookup.ts';
import { InboxQuery, OkText, Paging, SearchQuery } from '../../../schemas.ts';

export const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;

  app.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['messages'],
        summary: 'Search messages, newest first',
        querystring: Type.Object({ ...SearchQuery, ...Paging, ...InboxQuery }),
        response: { 200: Type.Ref('MessagesSummary'), 400: Type.Ref('Error') },
      },
    },
    async (request) => {
      const { query, tz, start = 0, limit = 50, inbox } = request.query;
      const scope = requestScope(request.inboxAccess, inbox);
      return listResponse(store, start, limit, both(searchFilter(query, tz), scope), scope);
    },
  );

  app.delete(
    '/api/v1/search',
    {
      schema: {
        tags: ['messages'],
        summary: 'Delete every message matching a search',
        querystring: Type.Object({ ...SearchQuery, ...InboxQuery }),
        response: { 200: OkText, 400: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const { query, tz, inbox } = request.query;
      if (!query.trim()) return reply.code(400).send({ Error: 'query is required; use DELETE /api/v1/messages to delete everything' });
      await store.delete(selectIds(store, both(searchFilter(query, tz), requestScope(request.inboxAccess, inbox))));
      return reply.type('text/plain').send('ok');
    },
  );
};
