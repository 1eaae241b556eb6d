// /api/v1/inboxes (Mailcove's own): every inbox in use with its message and unread counts, for the web UI's sidebar.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accessFilter } from '../../../../auth/inbox-auth.ts';
import { inboxCounts } from '../../../../store/inbox-counts.ts';

const InboxCount = Type.Object({
  Name: Type.String(),
  Total: Type.Integer({ description: 'Messages in the inbox' }),
  Unread: Type.Integer({ description: 'Unread messages in the inbox' }),
});

export const inboxesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;
  app.get(
    '/api/v1/inboxes',
    {
      schema: {
        tags: ['messages'],
        summary: 'Inboxes in use, by name, with message and unread counts',
        description: 'Mailcove addition. List one inbox with GET /api/v1/search?query=inbox:NAME.',
        response: { 200: Type.Object({ inboxes: Type.Array(InboxCount) }) },
      },
    },
    async (request) => ({ inboxes: inboxCounts(store, accessFilter(request.inboxAccess)) }),
  );
};
