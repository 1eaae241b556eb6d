// Which inbox a message belongs to: the SMTP AUTH username, else the X-Mailcove-Inbox header, else "default".
export const DEFAULT_INBOX = 'default';
const MAX_INBOX_LENGTH = 64;

/** Inbox names are labels only (never paths); this keeps them printable and bounded. */
export function normaliseInboxName(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned.slice(0, MAX_INBOX_LENGTH);
}

export function resolveInbox(username: string, header: string): string {
  return normaliseInboxName(username) || normaliseInboxName(header) || DEFAULT_INBOX;
}

/** A test for "this message is in that inbox": whole name, case-insensitively, as `inbox:` search compares. */
export function inInbox(inbox: string): (summary: { Inbox: string }) => boolean {
  const name = inbox.toLowerCase();
  return (summary) => summary.Inbox.toLowerCase() === name;
}
