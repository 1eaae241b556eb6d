// POP3 logins: which inbox a login name opens, how USER/PASS, APOP and SASL PLAIN credentials are checked, and
// the growing delay that slows down repeated failures. Credential storage is injected (InboxCredentials): without
// configured credentials any password opens any inbox, as SMTP AUTH does.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InboxAuth } from '../auth/inbox-auth.ts';
import { passwordMatches } from '../auth/passwords.ts';
import { normaliseInboxName } from '../mail/inbox.ts';
import { ALL_INBOXES } from './maildrop.ts';

/** How logins are checked; credentialsFor() backs it with --inbox-auth-file. */
export interface InboxCredentials {
  checkInboxPassword(name: string, password: string): boolean;
  /**
   * The plain secret an APOP digest is made from. null: any digest is accepted (no credentials configured).
   * undefined: the name has no plain secret (unknown, or stored only as a hash), so APOP cannot open it.
   */
  inboxSecret(name: string): string | null | undefined;
}

/**
 * Logins checked against --inbox-auth-file (server/auth/inbox-auth.ts): a listed inbox needs its password, an
 * unlisted name is accepted with any password, as at the other doors. `*` opens every inbox, protected ones
 * included, so once any inbox is protected `*` needs an entry of its own.
 */
export function credentialsFor(auth: InboxAuth): InboxCredentials {
  const allNeedsEntry = (name: string) => name === ALL_INBOXES && auth.configured && !auth.isProtected(ALL_INBOXES);
  return {
    checkInboxPassword(name, password) {
      if (allNeedsEntry(name)) return false;
      return auth.check(name, password) !== 'fail';
    },
    inboxSecret(name) {
      if (allNeedsEntry(name)) return undefined;
      return auth.secret(name);
    },
  };
}

/**
 * The inbox a login name opens: every inbox for `*`, otherwise the name as inboxes are named; null if none.
 * Normalised first, so " *" is `*` and is checked as `*`.
 */
function inboxForLogin(name: string): string | null {
  return normaliseInboxName(name) || null;
}

/** The greeting's APOP timestamp (RFC 1939 §7): unique per session, in msg-id form. */
export function apopTimestamp(): string {
  return `<${process.pid}.${randomBytes(8).toString('hex')}.${Date.now()}@mailcove>`;
}

function apopDigest(timestamp: string, secret: string): string {
  return createHash('md5').update(timestamp + secret).digest('hex');
}

export const APOP_DIGEST = /^[0-9a-f]{32}$/i;

export interface PlainCredentials {
  authzid: string;
  authcid: string;
  password: string;
}

/** Decodes a SASL PLAIN response (RFC 4616): base64 of authzid NUL authcid NUL password. null if malformed. */
export function decodePlain(response: string): PlainCredentials | null {
  if (response.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(response)) return null;
  const fields = Buffer.from(response, 'base64').toString('utf8').split('\0');
  if (fields.length !== 3 || !fields[1]) return null;
  return { authzid: fields[0]!, authcid: fields[1], password: fields[2]! };
}

export interface LoginDelay {
  /** Wait after the first failure; it doubles with each further one. */
  baseMs: number;
  maxMs: number;
}

const DEFAULT_LOGIN_DELAY: LoginDelay = { baseMs: 250, maxMs: 5000 };

/** Failures from an address are forgotten after this long without another. */
const FORGET_AFTER_MS = 15 * 60_000;
/** Bounds the table however many addresses fail. */
const MAX_TRACKED = 10_000;

/** Checks logins; a failure is answered only after a delay that grows with the failures from that address. */
export class Authenticator {
  /** Failures per client address, least recently failed first. */
  private failures = new Map<string, { count: number; last: number }>();

  constructor(
    private readonly credentials: InboxCredentials,
    private readonly delay: LoginDelay = DEFAULT_LOGIN_DELAY,
  ) {}

  /** USER/PASS and AUTH PLAIN. Resolves to the inbox opened, or null after the failure delay. */
  password(ip: string, name: string, password: string): Promise<string | null> {
    const inbox = inboxForLogin(name);
    return this.settle(ip, inbox !== null && this.credentials.checkInboxPassword(inbox, password) ? inbox : null);
  }

  /** APOP: the digest must be md5(timestamp + secret) for the name's plain secret. */
  apop(ip: string, name: string, timestamp: string, digest: string): Promise<string | null> {
    const inbox = inboxForLogin(name);
    const secret = inbox === null ? undefined : this.credentials.inboxSecret(inbox);
    const ok = inbox !== null && secret !== undefined && (secret === null || passwordMatches(apopDigest(timestamp, secret), digest.toLowerCase()));
    return this.settle(ip, ok ? inbox : null);
  }

  private async settle(ip: string, inbox: string | null): Promise<string | null> {
    if (inbox !== null) {
      this.failures.delete(ip);
      return inbox;
    }
    // Unref'd: a pending delay must not keep a stopping process alive.
    await sleep(this.failed(ip, Date.now()), undefined, { ref: false });
    return null;
  }

  private failed(ip: string, now: number): number {
    const previous = this.failures.get(ip);
    const count = previous && now - previous.last < FORGET_AFTER_MS ? previous.count + 1 : 1;
    this.failures.delete(ip);
    this.failures.set(ip, { count, last: now });
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    return Math.min(this.delay.maxMs, this.delay.baseMs * 2 ** (count - 1));
  }
}
