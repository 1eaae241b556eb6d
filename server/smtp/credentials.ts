// SMTP AUTH checks: with no credentials file any login is accepted (the sandbox default); with one, the password
// must match. CRAM-MD5 never sends the password, so it is checked through smtp-server's challenge helper.
import type { SMTPServerAuthentication } from 'smtp-server';
import { passwordMatches } from '../auth/passwords.ts';

export type Credentials = Map<string, string>;

export function checkSmtpCredentials(users: Credentials | null, auth: SMTPServerAuthentication): boolean {
  if (!users) return true;
  const expected = users.get(auth.username ?? '');
  if (expected === undefined) return false;
  if (auth.method === 'CRAM-MD5') return auth.validatePassword?.(expected) === true;
  return passwordMatches(expected, auth.password ?? '');
}
