// SMTP answers 250 once a message is durable and indexes it right after (see DiskStore.add). A client that reads
// the API the moment it gets its 250 must still find the message, so every request first waits for the messages
// acknowledged before it arrived. Nothing is pending almost always, and then this costs one function call.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const indexBarrierPlugin = fp(async (app: FastifyInstance) => {
  const { store } = app.mailcove;
  app.addHook('onRequest', (_request, _reply, done) => {
    const pending = store.indexed();
    if (!pending) return done();
    void pending.then(() => done());
  });
});
