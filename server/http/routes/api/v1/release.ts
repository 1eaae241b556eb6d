// POST /api/v1/message/{ID}/release: sends a stored message on through --smtp-relay-config, as Mailpit does.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { addressIn } from '../../../../relay/prepare.ts';
import { RelayRefused } from '../../../../relay/relay.ts';
import { badRequest, HttpError } from '../../../context.ts';
import { resolveMessage } from '../../../message-lookup.ts';
import { IdParam, LATEST_ID_DESCRIPTION, LatestQuery, OkText } from '../../../schemas.ts';

const ReleaseBody = Type.Object({
  To: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 1000, description: 'Addresses to relay the message to', examples: [['user1@example.com']] }),
});

export const releaseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, relay } = app.mailcove;

  app.post(
    '/api/v1/message/:ID/release',
    {
      schema: {
        tags: ['message'],
        summary: 'Release a message through the configured SMTP relay',
        description: `Only with --smtp-relay-config (otherwise 404, as Mailpit has no such route then). ${LATEST_ID_DESCRIPTION} Recipients outside allowed-recipients or matching blocked-recipients are refused with 400; an SMTP failure is a 400 "SMTP error: …".`,
        params: IdParam,
        querystring: LatestQuery,
        body: ReleaseBody,
        response: { 200: OkText, 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      if (!relay) throw new HttpError(404, 'message relay is not configured (--smtp-relay-config)');
      const summary = resolveMessage(store, request.params.ID, request.query);
      // Mailpit takes "Name <address>" as well as a bare address.
      const to = request.body.To.map((r) => addressIn(r) || r.trim());
      const raw = await store.readRaw(summary.ID);
      try {
        await relay.release(raw, summary, to);
      } catch (err) {
        if (err instanceof RelayRefused) throw badRequest(err.message);
        throw badRequest(`SMTP error: ${(err as Error).message}`);
      }
      return reply.type('text/plain').send('ok');
    },
  );
};
