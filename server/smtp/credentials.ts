// SMTP AUTH checks. A name listed in --inbox-auth-file needs that inbox's password; otherwise, with no
// --smtp-auth-file any login is accepted (the sandbox default), and with one the password must match. CRAM-MD5
// never sends the password, so it is checked through smtp-server's challenge helper, which needs a plain secret.
import type { SMTPServerAuthentication } from 'smtp-server';
import type { InboxAuth } from '../auth/inbox-auth.ts';
import { checkPassword, isHashedPassword } from '../auth/passwords.ts';

export type Credentials = Map<string, string>;

export function checkSmtpCredentials(users: Credentials | null, inboxes: InboxAuth, auth: SMTPServerAuthentication): boolean {
  const name = auth.username ?? '';
  if (inboxes.isProtected(name)) {
    if (auth.method === 'CRAM-MD5') {
      const secret = inboxes.secret(name);
      return typeof secret === 'string' && auth.validatePassword?.(secret) === true;
    }
    return inboxes.check(name, auth.password ?? '') === 'pass';
  }
  if (!users) return true;
  const expected = users.get(name);
  if (expected === undefined) return false;
  if (auth.method === 'CRAM-MD5') return !isHashedPassword(expected) && auth.validatePassword?.(expected) === true;
  return checkPassword(expected, auth.password ?? '');
}
