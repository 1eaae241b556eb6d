// Which inbox a message belongs to: the SMTP AUTH username, else the X-Mailcove-Inbox header, else "default".
export const DEFAULT_INBOX = 'default';
const MAX_INBOX_LENGTH = 64;

/** Inbox names are labels only (never paths); this keeps them printable and bounded. */
export function normaliseInboxName(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned.slice(0, MAX_INBOX_LENGTH);
}

/**
 * The form inbox names are compared in: as normalised, then lower-cased. Whatever decides access (the credentials
 * file, POP3 and HTTP logins, scoping) compares through this, so a name that normalises to a protected inbox's
 * ("alice ", " *") is that inbox, not an unlisted name.
 */
export function inboxKey(name: string): string {
  return normaliseInboxName(name).toLowerCase();
}

export function resolveInbox(username: string, header: string): string {
  return normaliseInboxName(username) || normaliseInboxName(header) || DEFAULT_INBOX;
}

/** A test for "this message is in that inbox": whole name, case-insensitively, as `inbox:` search compares. */
export function inInbox(inbox: string): (summary: { Inbox: string }) => boolean {
  const name = inboxKey(inbox);
  return (summary) => summary.Inbox.toLowerCase() === name;
}
