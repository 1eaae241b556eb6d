// /api/v1/tags: list, set per message, rename and delete tags, as in Mailpit.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { cleanTag, sortTags } from '../../../../mail/tags.ts';
import type { Store } from '../../../../store/types.ts';
import { badRequest } from '../../../context.ts';
import { allTags } from '../../../listing.ts';
import { both, idsInScope, requestScope, type Filter } from '../../../message-lookup.ts';
import { IdList, OkText } from '../../../schemas.ts';

const TagParam = Type.Object({ Tag: Type.String({ minLength: 1, maxLength: 200, description: 'URL-encoded tag name' }) });

/** Rewrites one tag on every message carrying it (case-insensitively, as tags are compared). */
async function rewriteTag(store: Store, scope: Filter | undefined, tag: string, replace: (tags: string[]) => string[]): Promise<void> {
  const wanted = tag.toLowerCase();
  const carrying = store.list({ limit: Number.MAX_SAFE_INTEGER, filter: both((m) => m.Tags.some((t) => t.toLowerCase() === wanted), scope) }).messages;
  for (const message of carrying) await store.setTags([message.ID], sortTags(replace(message.Tags)));
}

export const tagsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.mailcove;

  app.get('/api/v1/tags', { schema: { tags: ['tags'], summary: 'Every tag in use', response: { 200: Type.Array(Type.String()) } } }, async (request) => allTags(store, requestScope(request.inboxAccess, undefined)));

  app.put(
    '/api/v1/tags',
    {
      schema: {
        tags: ['tags'],
        summary: 'Set the tags of messages (replacing theirs); an empty list removes all',
        body: Type.Object({ IDs: IdList, Tags: Type.Array(Type.String({ maxLength: 200 })) }),
        response: { 200: OkText, 400: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      await store.setTags(idsInScope(store, request.body.IDs, requestScope(request.inboxAccess, undefined)), sortTags(request.body.Tags));
      return reply.type('text/plain').send('ok');
    },
  );

  app.put(
    '/api/v1/tags/:Tag',
    {
      schema: {
        tags: ['tags'],
        summary: 'Rename a tag on every message',
        params: TagParam,
        body: Type.Object({ Name: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: OkText, 400: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const name = cleanTag(request.body.Name);
      if (!name) throw badRequest('Name is not a usable tag');
      const old = request.params.Tag.toLowerCase();
      await rewriteTag(store, requestScope(request.inboxAccess, undefined), request.params.Tag, (tags) => tags.map((t) => (t.toLowerCase() === old ? name : t)));
      return reply.type('text/plain').send('ok');
    },
  );

  app.delete(
    '/api/v1/tags/:Tag',
    {
      schema: { tags: ['tags'], summary: 'Remove a tag from every message (the messages stay)', params: TagParam, response: { 200: OkText, 400: Type.Ref('Error') } },
    },
    async (request, reply) => {
      const old = request.params.Tag.toLowerCase();
      await rewriteTag(store, requestScope(request.inboxAccess, undefined), request.params.Tag, (tags) => tags.filter((t) => t.toLowerCase() !== old));
      return reply.type('text/plain').send('ok');
    },
  );
};
