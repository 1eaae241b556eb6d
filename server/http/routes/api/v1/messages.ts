// /api/v1/messages: list newest first, set read status, delete. Mailpit's shapes and semantics.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listResponse } from '../../../listing.ts';
import { both, idsInScope, requestScope, searchFilter, selectIds } from '../../../message-lookup.ts';
import { IdList, InboxQuery, OkText, Paging } from '../../../schemas.ts';

export const messagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;

  app.get(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List messages, newest first',
        querystring: Type.Object({ ...Paging, ...InboxQuery }),
        response: { 200: Type.Ref('MessagesSummary'), 400: Type.Ref('Error') },
      },
    },
    async (request) => {
      const scope = requestScope(request.inboxAccess, request.query.inbox);
      return listResponse(store, request.query.start ?? 0, request.query.limit ?? 50, scope, scope);
    },
  );

  app.put(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Set read status',
        description: 'By IDs, or by Search; with neither, every message (of the inbox, when one is named) is updated.',
        querystring: Type.Object({ tz: Type.Optional(Type.String()), ...InboxQuery }),
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
      const { tz, inbox } = request.query;
      const scope = requestScope(request.inboxAccess, inbox);
      const ids = IDs?.length ? idsInScope(store, IDs, scope) : selectIds(store, both(searchFilter(Search, tz), scope));
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
        description: 'Deletes the given IDs; with no IDs (or no body), deletes every message (of the inbox, when one is named).',
        querystring: Type.Object(InboxQuery),
        body: Type.Optional(Type.Union([Type.Object({ IDs: Type.Optional(IdList) }), Type.Null()])),
        response: { 200: OkText, 400: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const ids = request.body?.IDs ?? [];
      const scope = requestScope(request.inboxAccess, request.query.inbox);
      if (ids.length) await store.delete(idsInScope(store, ids, scope));
      else if (scope) await store.delete(selectIds(store, scope));
      else await store.deleteAll();
      return reply.type('text/plain').send('ok');
    },
  );
};
