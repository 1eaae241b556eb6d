// POST /api/v1/send: Mailpit's JSON send API. The message is composed and stored exactly as SMTP mail is.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { composeMessage, ComposeError } from '../../../../mail/compose.ts';
import { badRequest } from '../../../context.ts';

const SendAddress = Type.Object({ Email: Type.String({ minLength: 3, maxLength: 320 }), Name: Type.Optional(Type.String({ maxLength: 500 })) });

const SendRequest = Type.Object({
  From: SendAddress,
  To: Type.Optional(Type.Array(SendAddress)),
  Cc: Type.Optional(Type.Array(SendAddress)),
  Bcc: Type.Optional(Type.Array(Type.String())),
  ReplyTo: Type.Optional(Type.Array(SendAddress)),
  Subject: Type.Optional(Type.String()),
  Text: Type.Optional(Type.String()),
  HTML: Type.Optional(Type.String()),
  Attachments: Type.Optional(
    Type.Array(
      Type.Object({
        Content: Type.String({ description: 'Base64-encoded file content' }),
        Filename: Type.String({ minLength: 1 }),
        ContentType: Type.Optional(Type.String()),
        ContentID: Type.Optional(Type.String({ description: 'Attach inline with this Content-ID' })),
      }),
    ),
  ),
  Headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  Tags: Type.Optional(Type.Array(Type.String())),
});

export const sendRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, config, stats } = app.mailcove;
  app.post(
    '/api/v1/send',
    {
      // Base64 attachments are a third larger than the message they become.
      bodyLimit: Math.ceil(config.maxMessageSize * 1.4) + 64 * 1024,
      schema: {
        tags: ['message'],
        summary: 'Send a message through the HTTP API',
        body: SendRequest,
        response: { 200: Type.Object({ ID: Type.String() }), 400: Type.Ref('Error') },
      },
    },
    async (request) => {
      let composed;
      try {
        composed = await composeMessage(request.body);
      } catch (err) {
        if (err instanceof ComposeError) throw badRequest(err.message);
        throw err;
      }
      if (composed.raw.length > config.maxMessageSize) throw badRequest(`message exceeds the maximum size of ${config.maxMessageSize} bytes`);
      const summary = await store.add({
        raw: composed.raw,
        meta: {
          envelope: { mailFrom: composed.mailFrom, rcptTo: composed.rcptTo },
          client: { address: request.ip, helo: 'http-api', tls: request.protocol === 'https' },
          // An inbox login's mail lands in its own inbox, as SMTP AUTH under that name would.
          username: request.inboxAccess.kind === 'inbox' ? request.inboxAccess.name : '',
        },
      });
      stats.accepted(composed.raw.length);
      return { ID: summary.ID };
    },
  );
};
