// Summaries repeat a few strings thousands of times: the app's From address, the test inbox, the client's address
// and HELO name. Each parse (and each JSON.parse at start-up) makes its own copy; pooling keeps one. At 10,000
// messages from one app this saves a few megabytes of heap.
import type { Address, MessageSummary } from './types.ts';

/** Bounds the pool's own memory. */
const MAX_POOLED = 10_000;
/** Longer strings are rarely repeated and are not worth a pool slot. */
const MAX_POOLED_LENGTH = 256;

export class StringPool {
  private pool = new Map<string, string>();

  private get(s: string): string {
    const pooled = this.pool.get(s);
    if (pooled !== undefined) return pooled;
    if (s.length > MAX_POOLED_LENGTH) return s;
    // A full pool starts again; the strings in use stay shared where they are.
    if (this.pool.size >= MAX_POOLED) this.pool.clear();
    this.pool.set(s, s);
    return s;
  }

  /** The summary's repeated strings (addresses, names, envelope, client, inbox, tags) swapped for pooled ones. */
  summary(s: MessageSummary): MessageSummary {
    const address = (a: Address): Address => ({ Name: this.get(a.Name), Address: this.get(a.Address) });
    return {
      ...s,
      Inbox: this.get(s.Inbox),
      From: s.From && address(s.From),
      To: s.To.map(address),
      Cc: s.Cc.map(address),
      Bcc: s.Bcc.map(address),
      ReplyTo: s.ReplyTo.map(address),
      Tags: s.Tags.map((t) => this.get(t)),
      Username: this.get(s.Username),
      Envelope: { MailFrom: this.get(s.Envelope.MailFrom), RcptTo: s.Envelope.RcptTo.map((r) => this.get(r)) },
      Client: { Address: this.get(s.Client.Address), Helo: this.get(s.Client.Helo), TLS: s.Client.TLS },
    };
  }
}
