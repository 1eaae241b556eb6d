// What every route handler can reach, decorated onto the Fastify instance as `app.mailcove`.
import type { InboxAuth } from '../auth/inbox-auth.ts';
import type { Config } from '../config.ts';
import type { Checks } from '../checks/service.ts';
import type { EventHub } from '../events/hub.ts';
import type { RuntimeStats } from '../events/runtime-stats.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Relay } from '../relay/relay.ts';
import type { Chaos } from '../smtp/chaos.ts';
import type { Store } from '../store/types.ts';

export interface HttpContext {
  config: Config;
  store: Store;
  /** --inbox-auth-file, shared with SMTP AUTH and POP3 so every door checks the same entries. */
  inboxAuth: InboxAuth;
  hub: EventHub;
  stats: RuntimeStats;
  metrics: Metrics;
  /** null without --smtp-relay-config: release is off. */
  relay: Relay | null;
  /** SMTP fault injection shared with the listener (/api/v1/chaos). */
  chaos: Chaos;
  /** The quality checks and their one cache. */
  checks: Checks;
  version: string;
  isReady: () => boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    mailcove: HttpContext;
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** A JSON pointer to the part of the request at fault, sent as the error's Path. */
    readonly path?: string,
  ) {
    super(message);
  }
}

export const notFound = (what = 'message'): HttpError => new HttpError(404, `${what} not found`);
export const badRequest = (message: string, path?: string): HttpError => new HttpError(400, message, path);
