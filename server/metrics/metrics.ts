// What /metrics reports that nothing else keeps: the ingest latency histogram and the webhook counters. Totals
// (messages, unread, per inbox) come from the store and SMTP counters from RuntimeStats when scraped.
import type { RuntimeStats } from '../events/runtime-stats.ts';
import type { QueueCounters } from '../webhooks/webhook-queue.ts';
import { inboxCounts } from '../store/inbox-counts.ts';
import type { ListOptions, Store } from '../store/types.ts';
import { Histogram, INGEST_LATENCY_BUCKETS } from './histogram.ts';
import { PrometheusText } from './prometheus-text.ts';

export class Metrics {
  /** Seconds from the end of DATA to the 250 (the store's durable write). */
  readonly ingestLatency = new Histogram(INGEST_LATENCY_BUCKETS);

  constructor(readonly webhookCounters: () => QueueCounters[] = () => []) {}
}

/** `scope` limits the store-derived figures to the inboxes the caller may see (as /api/v1/info does). */
export function renderMetrics(store: Store, stats: RuntimeStats, metrics: Metrics, scope?: ListOptions['filter']): string {
  const perInbox = inboxCounts(store, scope);
  const total = perInbox.reduce((n, c) => n + c.Total, 0);
  const unread = perInbox.reduce((n, c) => n + c.Unread, 0);
  const webhooks = metrics.webhookCounters();
  const perTarget = (pick: (c: QueueCounters) => number) => webhooks.map((c) => ({ labels: { target: c.target }, value: pick(c) }));
  return new PrometheusText()
    .gauge('mailcove_messages', 'Messages stored', total)
    .gauge('mailcove_messages_unread', 'Messages not yet read', unread)
    .gauge('mailcove_inbox_messages', 'Messages stored per inbox', perInbox.map((c) => ({ labels: { inbox: c.Name }, value: c.Total })))
    .gauge('mailcove_inbox_messages_unread', 'Unread messages per inbox', perInbox.map((c) => ({ labels: { inbox: c.Name }, value: c.Unread })))
    .counter('mailcove_smtp_accepted_total', 'Messages accepted over SMTP since start', stats.smtpAccepted)
    .counter('mailcove_smtp_accepted_bytes_total', 'Bytes of messages accepted over SMTP since start', stats.smtpAcceptedSize)
    .counter('mailcove_smtp_rejected_total', 'Messages refused over SMTP since start (size limit)', stats.smtpRejected)
    .counter('mailcove_messages_deleted_total', 'Messages deleted or pruned since start', stats.messagesDeleted)
    .histogram('mailcove_ingest_latency_seconds', 'Time from the end of SMTP DATA to the 250 reply', metrics.ingestLatency.snapshot())
    .counter('mailcove_webhook_deliveries_total', 'Webhook deliveries answered 2xx', perTarget((c) => c.delivered))
    .counter('mailcove_webhook_failures_total', 'Webhook deliveries given up (retries exhausted, refused, queue full, stopped)', perTarget((c) => c.failed))
    .counter('mailcove_webhook_retries_total', 'Webhook attempts that failed and were retried', perTarget((c) => c.retried))
    .gauge('mailcove_webhook_queue_length', 'Webhook deliveries waiting or in flight', perTarget((c) => c.queued))
    .gauge('process_resident_memory_bytes', 'Resident set size of the process', process.memoryUsage().rss)
    .gauge('process_start_time_seconds', 'Process start time, seconds since the Unix epoch', Math.round(stats.startedAt / 1000))
    .toString();
}
