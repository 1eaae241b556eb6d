// A websocket upgrade request that is answered with an ordinary response (401, 404, 400…) still owns its raw
// socket, and nothing else ever closes it: the client's connection and `app.close()` would hang. Every such reply
// therefore ends the socket once it is written. Successful upgrades write no response, so they are untouched.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const refusedUpgradesPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.headers.upgrade) return;
    reply.raw.once('finish', () => request.raw.socket?.destroy());
  });
});
