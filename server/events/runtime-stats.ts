// Counters for /api/v1/info's RuntimeStats, as Mailpit reports them.
import type { Store } from '../store/types.ts';

export class RuntimeStats {
  readonly startedAt = Date.now();
  smtpAccepted = 0;
  smtpAcceptedSize = 0;
  smtpRejected = 0;
  smtpIgnored = 0;
  messagesDeleted = 0;
  /** Open wait-for requests (set by the wait route). */
  openWaits: () => number = () => 0;

  constructor(store: Store) {
    store.subscribe((event) => {
      if (event.type === 'delete' || event.type === 'prune') this.messagesDeleted += event.ids.length;
    });
  }

  accepted(size: number): void {
    this.smtpAccepted += 1;
    this.smtpAcceptedSize += size;
  }

  rejected(): void {
    this.smtpRejected += 1;
  }

  snapshot() {
    return {
      Uptime: Math.round((Date.now() - this.startedAt) / 1000),
      Memory: process.memoryUsage().rss,
      MessagesDeleted: this.messagesDeleted,
      SMTPAccepted: this.smtpAccepted,
      SMTPAcceptedSize: this.smtpAcceptedSize,
      SMTPRejected: this.smtpRejected,
      SMTPIgnored: this.smtpIgnored,
      Waiting: this.openWaits(),
    };
  }
}
