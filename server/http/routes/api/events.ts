// /api/events: the live websocket, in Mailpit's {Type, Data} envelope. Server → client only.
import type {} from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accessFilter } from '../../../auth/inbox-auth.ts';
import { inInbox } from '../../../mail/inbox.ts';
import { scopeEvent } from '../../../events/inbox-scope.ts';
import { InboxQuery } from '../../schemas.ts';

/** A client that cannot keep up is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub } = app.mailcove;
  const schema = {
    tags: ['application'],
    summary: 'Websocket of live events: new, update, delete, prune, truncate, stats, error',
    description: 'With `inbox`, only that inbox\'s events (and its own counts in `stats`).',
    querystring: Type.Object(InboxQuery),
  };
  app.get('/api/events', { websocket: true, schema }, (socket, request) => {
    const { inbox } = request.query as { inbox?: string };
    const access = request.inboxAccess;
    // Compiled once per socket, as the REST routes' filters are (so " alice" means alice on both): they run per event.
    const allowed = accessFilter(access);
    const named = inbox === undefined ? undefined : inInbox(inbox);
    const visible = (Inbox: string) => (allowed?.({ Inbox }) ?? true) && (named?.({ Inbox }) ?? true);
    const narrowed = allowed !== undefined || named !== undefined;
    const unsubscribe = hub.subscribe((event, origin) => {
      if (socket.readyState !== socket.OPEN) return;
      const scoped = !narrowed ? event : scopeEvent(event, origin, visible);
      if (!scoped) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.terminate();
      socket.send(JSON.stringify(scoped));
    });
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
  });
};
