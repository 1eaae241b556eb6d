// Webhooks: each new message's summary (the JSON the websocket's `new` event carries) is POSTed to every
// --webhook-url whose inbox filter it passes, through one ordered, retrying DeliveryQueue per URL.
import { inInbox } from '../mail/inbox.ts';
import type { Store } from '../store/types.ts';
import { DEFAULT_RETRY, DeliveryQueue, type QueueCounters, type RetryPolicy } from './webhook-queue.ts';
import type { WebhookTarget } from './webhook-targets.ts';

export interface WebhookOptions {
  targets: WebhookTarget[];
  secret: string | null;
  version: string;
  log: (line: string) => void;
  /** Tests shorten the delays and turn jitter off. */
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  maxQueue?: number;
}

export class Webhooks {
  private readonly queues: DeliveryQueue[];
  private readonly unsubscribe: () => void;

  constructor(store: Store, options: WebhookOptions) {
    const queueOptions = {
      secret: options.secret,
      userAgent: `Mailcove/${options.version}`,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      timeoutMs: options.timeoutMs ?? 10_000,
      maxQueue: options.maxQueue ?? 10_000,
      log: options.log,
    };
    this.queues = options.targets.map((target) => new DeliveryQueue(target, queueOptions));
    // Each target's inbox test is compiled once, and compares names as every ?inbox= does (inInbox).
    const routes = this.queues.map((queue) => ({ queue, wants: queue.target.inbox === null ? () => true : inInbox(queue.target.inbox) }));
    this.unsubscribe = store.subscribe((event) => {
      if (event.type !== 'new') return;
      const { message } = event;
      // Serialised once: every URL gets the same bytes, which is what the signature covers.
      let body: string | null = null;
      for (const { queue, wants } of routes) {
        if (wants(message)) queue.enqueue({ id: message.ID, body: (body ??= JSON.stringify(message)) });
      }
    });
  }

  counters(): QueueCounters[] {
    return this.queues.map((queue) => queue.counters());
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
