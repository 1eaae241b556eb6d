// SMTP answers 250 once a message is durable and indexes it right after (see DiskStore.add). A client that reads
// the API the moment it gets its 250 must still find the message, so every request first waits for the messages
// acknowledged before it arrived. Nothing is pending almost always, and then this costs one function call.
// Only requests that read the store wait: the probes and the UI's files do not queue behind parsing.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const READS_STORE = /^\/(api|view|metrics)(\/|\?|$)/;

export const indexBarrierPlugin = fp(async (app: FastifyInstance) => {
  const { store } = app.mailcove;
  app.addHook('onRequest', (request, _reply, done) => {
    if (!READS_STORE.test(request.url)) return done();
    const pending = store.indexed();
    if (!pending) return done();
    void pending.then(() => done());
  });
});
