// Password checks shared by every door (SMTP AUTH, HTTP Basic auth, POP3). Stored entries may be plain
// text or htpasswd hashes, as Mailpit's auth files allow: bcrypt ($2a$/$2b$/$2y$), Apache MD5 ($apr1$), {SHA}.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import bcrypt from 'bcryptjs';

const require = createRequire(import.meta.url);
const apacheMd5 = require('apache-md5') as (password: string, salt: string) => string;

const BCRYPT = /^\$2[aby]\$\d\d\$/;

/** Constant-time comparison of two secrets of any length. */
export function passwordMatches(expected: string, given: string): boolean {
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** True for the htpasswd hash forms below; such an entry cannot answer a challenge (APOP, CRAM-MD5). */
export function isHashedPassword(stored: string): boolean {
  return BCRYPT.test(stored) || stored.startsWith('$apr1$') || stored.startsWith('{SHA}');
}

/** Checks a password against a stored entry, plain or htpasswd-hashed. */
export function checkPassword(stored: string, given: string): boolean {
  if (BCRYPT.test(stored)) return bcrypt.compareSync(given, stored);
  if (stored.startsWith('$apr1$')) return passwordMatches(stored, apacheMd5(given, stored));
  if (stored.startsWith('{SHA}')) return passwordMatches(stored, '{SHA}' + createHash('sha1').update(given).digest('base64'));
  return passwordMatches(stored, given);
}
