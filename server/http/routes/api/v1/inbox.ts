// DELETE /api/v1/inbox/{Name}: empties one inbox, the way a CI job cleans up after itself.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { canSee } from '../../../../auth/inbox-auth.ts';
import { notFound } from '../../../context.ts';
import { inboxFilter, selectIds } from '../../../message-lookup.ts';
import { OkText } from '../../../schemas.ts';

export const inboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;
  app.delete(
    '/api/v1/inbox/:Name',
    {
      schema: {
        tags: ['messages'],
        summary: 'Delete every message in an inbox',
        params: Type.Object({ Name: Type.String({ minLength: 1, maxLength: 64, description: 'Inbox name (case-insensitive)' }) }),
        response: { 200: OkText, 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      if (!canSee(request.inboxAccess, request.params.Name)) throw notFound('inbox');
      await store.delete(selectIds(store, inboxFilter(request.params.Name)));
      return reply.type('text/plain').send('ok');
    },
  );
};
