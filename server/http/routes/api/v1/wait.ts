// GET /api/v1/wait: answers as soon as enough matching messages exist, so a CI job needs no polling loop.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { WaitRegistry } from '../../../../events/wait-for.ts';
import { isMessageId } from '../../../../store/message-id.ts';
import { badRequest } from '../../../context.ts';
import { listResponse } from '../../../listing.ts';
import { both, requestScope, searchFilter, type Filter } from '../../../message-lookup.ts';
import { InboxQuery, SearchQuery } from '../../../schemas.ts';

const DEFAULT_TIMEOUT_S = 30;
const MAX_TIMEOUT_S = 300;

const WaitQuery = Type.Object({
  query: Type.Optional(Type.String({ description: 'Search query (Mailpit search syntax, plus inbox:NAME); empty matches everything' })),
  ...InboxQuery,
  since: Type.Optional(Type.String({ description: 'Only messages received after this: an RFC 3339 time, or a message ID (messages after it)' })),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1, description: 'How many matching messages to wait for' })),
  timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_TIMEOUT_S, default: DEFAULT_TIMEOUT_S, description: 'Seconds to wait before answering 408' })),
  tz: SearchQuery.tz,
});

export const waitRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, stats } = app.mailcove;
  const waits = new WaitRegistry(store);
  stats.openWaits = () => waits.size;
  app.addHook('onClose', async () => waits.close());

  app.get(
    '/api/v1/wait',
    {
      schema: {
        tags: ['testing'],
        summary: 'Wait until messages matching a search arrive',
        description:
          'Answers 200 (the search response) as soon as at least `count` messages match `query` and `inbox` and arrived after `since`; ' +
          'messages already stored count, so it can answer at once. Answers 408 after `timeout` seconds without enough matches.',
        querystring: WaitQuery,
        response: { 200: Type.Ref('MessagesSummary'), 400: Type.Ref('Error'), 408: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const { query, inbox, since, count = 1, timeout = DEFAULT_TIMEOUT_S, tz } = request.query;
      const scope = requestScope(request.inboxAccess, inbox);
      const filter = both(sinceFilter(since), both(searchFilter(query, tz), scope)) ?? ANY;
      const { done, cancel } = waits.wait(filter, count, timeout * 1000);
      // A client that hangs up must not leave its wait behind.
      const onClose = () => cancel();
      request.raw.socket.once('close', onClose);
      const satisfied = await done;
      request.raw.socket.off('close', onClose);
      if (!satisfied) return reply.code(408).send({ Error: `no ${count === 1 ? 'matching message' : `${count} matching messages`} within ${timeout} s` });
      return listResponse(store, 0, Math.max(count, 50), filter, scope);
    },
  );
};

/** `since` as a message ID (strictly after it, in arrival order) or an RFC 3339 time (received after it). */
function sinceFilter(since: string | undefined): Filter | undefined {
  if (since === undefined || since === '') return undefined;
  if (isMessageId(since)) return (s) => s.ID > since;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(since)) throw badRequest(`since must be an RFC 3339 time or a message ID, not "${since}"`);
  const t = Date.parse(since);
  if (Number.isNaN(t)) throw badRequest(`since is not a valid time: "${since}"`);
  // Created is always toISOString() (fixed width, UTC), so comparing the strings compares the times, without a
  // Date.parse per message per open wait.
  const after = new Date(t).toISOString();
  return (s) => s.Created > after;
}

const ANY: Filter = () => true;
