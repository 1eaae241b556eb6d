// A session's view of an inbox: every message it held at login, oldest first, numbered from 1, with the session's
// deletion marks. Message numbers and sizes never change during a session, whatever happens to the store meanwhile
// (RFC 1939 §5); a message removed elsewhere keeps its number and is caught when it is read or deleted.
import { inInbox } from '../mail/inbox.ts';
import type { Store } from '../store/types.ts';

/** The login name that sees every inbox. */
export const ALL_INBOXES = '*';

export interface MaildropMessage {
  /** The store's message ID, which is also the UIDL: unique, and stable across sessions. */
  id: string;
  /** Octets as stored. */
  size: number;
}

export class Maildrop {
  private readonly deleted: boolean[];
  private liveCount = 0;
  private liveOctets = 0;

  private constructor(private readonly messages: MaildropMessage[]) {
    this.deleted = new Array<boolean>(messages.length);
    this.unmarkAll();
  }

  /** The whole inbox as it is now (no cap), in arrival order. Inbox names match case-insensitively, as search does. */
  static snapshot(store: Store, inbox: string): Maildrop {
    const filter = inbox === ALL_INBOXES ? undefined : inInbox(inbox);
    const { messages } = store.list({ limit: Infinity, filter });
    return new Maildrop(messages.map((summary) => ({ id: summary.ID, size: summary.Size })).reverse());
  }

  /** Messages not marked deleted. */
  get count(): number {
    return this.liveCount;
  }

  get octets(): number {
    return this.liveOctets;
  }

  /** Message `n` (1-based), or undefined when there is no such number or it is marked deleted. */
  message(n: number): MaildropMessage | undefined {
    return this.deleted[n - 1] === false ? this.messages[n - 1] : undefined;
  }

  /** The messages not marked deleted, with their numbers. */
  *live(): Generator<[number, MaildropMessage]> {
    for (let i = 0; i < this.messages.length; i++) if (!this.deleted[i]) yield [i + 1, this.messages[i]!];
  }

  markDeleted(n: number): boolean {
    const message = this.message(n);
    if (!message) return false;
    this.deleted[n - 1] = true;
    this.liveCount -= 1;
    this.liveOctets -= message.size;
    return true;
  }

  /** RSET: clears every mark. */
  unmarkAll(): void {
    this.deleted.fill(false);
    this.liveCount = this.messages.length;
    this.liveOctets = this.messages.reduce((sum, m) => sum + m.size, 0);
  }

  markedIds(): string[] {
    return this.messages.filter((_, i) => this.deleted[i]).map((m) => m.id);
  }
}
