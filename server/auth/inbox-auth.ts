// Per-inbox credentials (--inbox-auth-file, lines of name:password) and what each login may see. A listed inbox
// needs its password at every door (SMTP AUTH, POP3, HTTP Basic); an unlisted name keeps the sandbox's
// accept-any. Listed inboxes are also hidden from everyone who has not logged in as them (or as an admin), or the
// password would protect nothing.
import { inboxKey, inInbox } from '../mail/inbox.ts';
import type { MessageSummary } from '../store/types.ts';
import { checkPassword, isHashedPassword } from './passwords.ts';

export type LoginCheck = 'pass' | 'fail' | 'unlisted';

export class InboxAuth {
  private readonly entries: Map<string, string>;

  /** Names compare as inboxes do everywhere else (inboxKey: normalised, case-insensitive). */
  constructor(entries: ReadonlyMap<string, string> | null) {
    this.entries = new Map([...(entries ?? [])].map(([name, password]) => [inboxKey(name), password]));
  }

  get configured(): boolean {
    return this.entries.size > 0;
  }

  isProtected(inbox: string): boolean {
    return this.entries.has(inboxKey(inbox));
  }

  /** isProtected for a stored Inbox, which resolveInbox has normalised already: no normalising per message. */
  protectsStored(inbox: string): boolean {
    return this.entries.has(inbox.toLowerCase());
  }

  check(name: string, password: string): LoginCheck {
    const stored = this.entries.get(inboxKey(name));
    if (stored === undefined) return 'unlisted';
    return checkPassword(stored, password) ? 'pass' : 'fail';
  }

  /**
   * The plain secret a challenge (APOP digest, CRAM-MD5) is checked against. null: the name is unlisted, so any
   * answer is accepted. undefined: listed but stored only as a hash, so no challenge can open it.
   */
  secret(name: string): string | null | undefined {
    const stored = this.entries.get(inboxKey(name));
    if (stored === undefined) return null;
    return isHashedPassword(stored) ? undefined : stored;
  }
}

/** Who is asking, as far as inboxes go. */
export type InboxAccess =
  /** Every inbox: an admin (--ui-auth-file), or anyone when no inbox is protected. */
  | { kind: 'all' }
  /** Logged in as one inbox (a listed one with its password, or any unlisted name). */
  | { kind: 'inbox'; name: string }
  /** Not logged in as an inbox while some are protected: everything but the protected ones. */
  | { kind: 'unprotected'; auth: InboxAuth };

export const ALL_ACCESS: InboxAccess = { kind: 'all' };

export function canSee(access: InboxAccess, inbox: string): boolean {
  switch (access.kind) {
    case 'all':
      return true;
    case 'inbox':
      return inboxKey(inbox) === inboxKey(access.name);
    case 'unprotected':
      return !access.auth.isProtected(inbox);
  }
}

/** A summary filter for the access, or undefined when it sees everything. Built once per request, run per message. */
export function accessFilter(access: InboxAccess): ((summary: Pick<MessageSummary, 'Inbox'>) => boolean) | undefined {
  switch (access.kind) {
    case 'all':
      return undefined;
    case 'inbox':
      // Compiled once: the login's key is computed here, not for every message (stored names are normalised).
      return inInbox(access.name);
    case 'unprotected':
      return (summary) => !access.auth.protectsStored(summary.Inbox);
  }
}
