// /api/v1/messages: list newest first, set read status, delete. Mailpit's shapes and semantics.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { listResponse } from '../../../listing.ts';
import { searchFilter } from '../../../message-lookup.ts';
import { IdList, OkText, Paging } from '../../../schemas.ts';

export const messagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;

  app.get(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List messages, newest first',
        querystring: Type.Object(Paging),
        response: { 200: Type.Ref('MessagesSummary'), 400: Type.Ref('Error') },
      },
    },
    async (request) => listResponse(store, request.query.start ?? 0, request.query.limit ?? 50),
  );

  app.put(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Set read status',
        description: 'By IDs, or by Search; with neither, every message is updated.',
        querystring: Type.Object({ tz: Type.Optional(Type.String()) }),
        body: Type.Object({
          IDs: Type.Optional(IdList),
          Read: Type.Optional(Type.Boolean({ default: false })),
          Search: Type.Optional(Type.String()),
        }),
        response: { 200: OkText, 400: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const { IDs, Read = false, Search } = request.body;
      let ids = IDs ?? [];
      if (!IDs?.length) {
        const filter = searchFilter(Search, request.query.tz);
        ids = store.list({ limit: Number.MAX_SAFE_INTEGER, filter }).messages.map((m) => m.ID);
      }
      await store.setRead(ids, Read);
      return reply.type('text/plain').send('ok');
    },
  );

  app.delete(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Delete messages',
        description: 'Deletes the given IDs; with no IDs (or no body), deletes every message.',
        body: Type.Optional(Type.Union([Type.Object({ IDs: Type.Optional(IdList) }), Type.Null()])),
        response: { 200: OkText, 400: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const ids = request.body?.IDs ?? [];
      if (ids.length) await store.delete(ids);
      else await store.deleteAll();
      return reply.type('text/plain').send('ok');
    },
  );
};
