// /api/events: the live websocket, in Mailpit's {Type, Data} envelope. Server → client only.
import type {} from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** A client that cannot keep up is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub } = app.mailcove;
  app.get('/api/events', { websocket: true, schema: { tags: ['application'], summary: 'Websocket of live events: new, update, delete, prune, truncate, stats, error' } }, (socket) => {
    const unsubscribe = hub.subscribe((event) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.terminate();
      socket.send(JSON.stringify(event));
    });
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
  });
};
