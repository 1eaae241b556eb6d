// GET /metrics: Prometheus text, behind Basic auth like the rest. An inbox login sees its own inboxes' counts, as
// in /api/v1/info.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accessFilter } from '../../auth/inbox-auth.ts';
import { renderMetrics } from '../../metrics/metrics.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus-text.ts';

export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, stats, metrics } = app.mailcove;
  app.get('/metrics', { schema: { tags: ['application'], summary: 'Prometheus metrics (text format 0.0.4)', produces: ['text/plain'] } }, async (request, reply) =>
    reply.type(PROMETHEUS_CONTENT_TYPE).send(renderMetrics(store, stats, metrics, accessFilter(request.inboxAccess))),
  );
};
