// /view/{ID}.html and /view/{ID}.txt: just the message's HTML (cid: images pointing at the parts API) or text,
// for integration tests and the UI's preview frame. The HTML is served sandboxed so it can never run script here.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { messageHtml, messageText } from '../../mail/message-view.ts';
import { notFound } from '../context.ts';
import { resolveMessage } from '../message-lookup.ts';
import { LATEST_ID_DESCRIPTION, LatestQuery } from '../schemas.ts';
import { EMAIL_HTML_CSP, EMAIL_HTML_LOCAL_CSP, PART_CSP, untrustedContent } from '../security-headers.ts';

const ViewQuery = Type.Object({
  ...LatestQuery.properties,
  remote: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')], { description: 'HTML only: 0 blocks remote images, styles and fonts (default 1)' })),
  embed: Type.Optional(Type.Literal('1', { description: 'HTML only: as the web UI\'s preview frame, where links open in a new tab' })),
});

/**
 * A sandboxed frame may open popups (the UI allows that) but a link without a target would navigate the preview
 * itself; a leading <base target> sends every link to a new tab. base-uri 'none' still blocks any base href.
 */
function linksToNewTab(html: string): string {
  const base = '<base target="_blank">';
  const head = /<head(\s[^>]*)?>/i.exec(html);
  return head ? html.slice(0, head.index + head[0].length) + base + html.slice(head.index + head[0].length) : base + html;
}

export const viewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;

  app.get(
    '/view/:ID.:kind',
    {
      schema: {
        tags: ['testing'],
        summary: 'Render the HTML (ID.html) or text (ID.txt) part',
        description: `${LATEST_ID_DESCRIPTION} 404 when the message has no such part.`,
        params: Type.Object({ ID: Type.String({ pattern: '^[A-Za-z0-9]{1,64}$' }), kind: Type.Union([Type.Literal('html'), Type.Literal('txt')]) }),
        querystring: ViewQuery,
        response: { 200: Type.String(), 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const { kind } = request.params;
      const { ID } = resolveMessage(store, request.params.ID, request.query);
      const raw = await store.readRaw(ID);
      if (kind === 'txt') {
        const text = await messageText(raw);
        if (text === null) throw notFound('text part');
        return untrustedContent(reply, PART_CSP).type('text/plain; charset=utf-8').send(text);
      }
      const html = await messageHtml(raw, (partId) => `/api/v1/message/${ID}/part/${encodeURIComponent(partId)}`);
      if (html === null) throw notFound('HTML part');
      const csp = request.query.remote === '0' ? EMAIL_HTML_LOCAL_CSP : EMAIL_HTML_CSP;
      return untrustedContent(reply, csp)
        .type('text/html; charset=utf-8')
        .send(request.query.embed ? linksToNewTab(html) : html);
    },
  );
};
