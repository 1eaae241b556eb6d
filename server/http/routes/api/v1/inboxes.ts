// /api/v1/inboxes (Mailcove's own): every inbox in use with its message and unread counts, for the web UI's sidebar.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accessFilter, type InboxAccess } from '../../../../auth/inbox-auth.ts';
import type { Store } from '../../../../store/types.ts';

const InboxCount = Type.Object({
  Name: Type.String(),
  Total: Type.Integer({ description: 'Messages in the inbox' }),
  Unread: Type.Integer({ description: 'Unread messages in the inbox' }),
});

function inboxCounts(store: Store, access: InboxAccess): { Name: string; Total: number; Unread: number }[] {
  const counts = new Map<string, { Name: string; Total: number; Unread: number }>();
  for (const { Inbox, Read } of store.list({ limit: Number.MAX_SAFE_INTEGER, filter: accessFilter(access) }).messages) {
    let entry = counts.get(Inbox);
    if (!entry) counts.set(Inbox, (entry = { Name: Inbox, Total: 0, Unread: 0 }));
    entry.Total++;
    if (!Read) entry.Unread++;
  }
  return [...counts.values()].sort((a, b) => a.Name.localeCompare(b.Name));
}

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
    async (request) => ({ inboxes: inboxCounts(store, request.inboxAccess) }),
  );
};
