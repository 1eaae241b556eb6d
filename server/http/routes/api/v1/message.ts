// /api/v1/message/{ID}: the parsed message (marking it read), its headers, raw source, parts and thumbnails.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { buildMessageView, messageHeaders } from '../../../../mail/message-view.ts';
import { findPart, PART_ID_PATTERN } from '../../../../mail/parts.ts';
import { thumbnail } from '../../../../mail/thumbnail.ts';
import { notFound } from '../../../context.ts';
import { resolveMessage } from '../../../message-lookup.ts';
import { IdParam, isOn, LATEST_ID_DESCRIPTION, LatestQuery } from '../../../schemas.ts';
import { contentDisposition, PART_CSP, untrustedContent } from '../../../security-headers.ts';

const PartParams = Type.Object({ ID: Type.String({ maxLength: 64 }), PartID: Type.String({ pattern: PART_ID_PATTERN.source, maxLength: 64 }) });
const Binary = Type.String({ description: 'The bytes, with the part\'s Content-Type' });

export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;
  const loadPart = async ({ ID, PartID }: { ID: string; PartID: string }, query: { query?: string; tz?: string }) => {
    const part = await findPart(await store.readRaw(resolveMessage(store, ID, query).ID), PartID);
    if (!part) throw notFound('part');
    return part;
  };

  app.get(
    '/api/v1/message/:ID',
    {
      schema: {
        tags: ['message'],
        summary: 'The parsed message; marks it read',
        description: LATEST_ID_DESCRIPTION,
        params: IdParam,
        querystring: LatestQuery,
        response: { 200: Type.Object({ ID: Type.String() }, { additionalProperties: true, description: 'Mailpit Message, plus Mailcove\'s Inbox, Envelope, Client, Links [{URL, Text}] and Codes (one-time codes, most likely first)' }), 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (request) => {
      const summary = resolveMessage(store, request.params.ID, request.query);
      const view = await buildMessageView(await store.readRaw(summary.ID), summary);
      await store.setRead([summary.ID], true);
      return { ...view, Read: true };
    },
  );

  app.get(
    '/api/v1/message/:ID/headers',
    {
      schema: {
        tags: ['message'],
        summary: 'Message headers, names sorted',
        params: IdParam,
        querystring: LatestQuery,
        response: { 200: Type.Record(Type.String(), Type.Array(Type.String())), 404: Type.Ref('Error') },
      },
    },
    async (request) => messageHeaders(await store.readRaw(resolveMessage(store, request.params.ID, request.query).ID)),
  );

  app.get(
    '/api/v1/message/:ID/raw',
    {
      schema: {
        tags: ['message'],
        summary: 'The message source exactly as received',
        params: IdParam,
        querystring: Type.Object({ ...LatestQuery.properties, dl: Type.Optional(Type.String({ description: '1 to download as ID.eml' })) }),
        response: { 200: Type.String(), 404: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const { ID } = resolveMessage(store, request.params.ID, request.query);
      const download = isOn(request.query.dl);
      if (download) reply.header('Content-Disposition', contentDisposition('attachment', `${ID}.eml`));
      return untrustedContent(reply, PART_CSP).type(download ? 'message/rfc822' : 'text/plain; charset=utf-8').send(store.rawStream(ID));
    },
  );

  app.get(
    '/api/v1/message/:ID/part/:PartID',
    {
      schema: {
        tags: ['message'],
        summary: 'An attachment or inline part, with its own Content-Type',
        description: LATEST_ID_DESCRIPTION,
        params: PartParams,
        querystring: LatestQuery,
        response: { 200: Binary, 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const part = await loadPart(request.params, request.query);
      // Only what the preview can show inline (images, and audio and video, which its CSP allows) may be loaded
      // from its opaque origin; any other part stays same-origin.
      const embeddable = /^(image|audio|video)\//i.test(part.contentType);
      return untrustedContent(reply, PART_CSP, embeddable)
        .type(part.contentType || 'application/octet-stream')
        .header('Content-Disposition', contentDisposition('inline', part.fileName || `part-${request.params.PartID}`))
        .send(part.content);
    },
  );

  app.get(
    '/api/v1/message/:ID/part/:PartID/thumb',
    {
      schema: {
        tags: ['message'],
        summary: 'A 180x120 JPEG thumbnail of an image part (blank for anything else)',
        description: LATEST_ID_DESCRIPTION,
        params: PartParams,
        querystring: LatestQuery,
        response: { 200: Binary, 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (request, reply) => reply.type('image/jpeg').send(await thumbnail(await loadPart(request.params, request.query))),
  );
};
