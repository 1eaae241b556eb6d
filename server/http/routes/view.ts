// /view/{ID}.html and /view/{ID}.txt: just the message's HTML (cid: images pointing at the parts API) or text,
// for integration tests and the UI's preview frame. The HTML is served sandboxed so it can never run script here.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { messageHtml, messageText } from '../../mail/message-view.ts';
import { notFound } from '../context.ts';
import { resolveMessage } from '../message-lookup.ts';
import { EMAIL_HTML_CSP, PART_CSP, untrustedContent } from '../security-headers.ts';

export const viewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;

  app.get(
    '/view/:file',
    {
      schema: {
        tags: ['testing'],
        summary: 'Render the HTML (ID.html) or text (ID.txt) part',
        description: 'ID may be "latest". 404 when the message has no such part.',
        params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9]{1,64}\\.(html|txt)$' }) }),
        response: { 200: Type.String(), 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const [id, kind] = request.params.file.split('.') as [string, 'html' | 'txt'];
      const { ID } = resolveMessage(store, id);
      const raw = await store.readRaw(ID);
      if (kind === 'txt') {
        const text = await messageText(raw);
        if (text === null) throw notFound('text part');
        return untrustedContent(reply, PART_CSP).type('text/plain; charset=utf-8').send(text);
      }
      const html = await messageHtml(raw, (partId) => `/api/v1/message/${ID}/part/${encodeURIComponent(partId)}`);
      if (html === null) throw notFound('HTML part');
      return untrustedContent(reply, EMAIL_HTML_CSP).type('text/html; charset=utf-8').send(html);
    },
  );
};
