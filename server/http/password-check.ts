// Checks a password against an htpasswd-style entry, as Mailpit's auth files allow: bcrypt ($2a$/$2b$/$2y$),
// Apache MD5 ($apr1$), {SHA}, or plain text.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import bcrypt from 'bcryptjs';
import { passwordMatches } from '../smtp/credentials.ts';

const require = createRequire(import.meta.url);
const apacheMd5 = require('apache-md5') as (password: string, salt: string) => string;

export function checkPassword(stored: string, given: string): boolean {
  if (/^\$2[aby]\$\d\d\$/.test(stored)) return bcrypt.compareSync(given, stored);
  if (stored.startsWith('$apr1$')) return passwordMatches(stored, apacheMd5(given, stored));
  if (stored.startsWith('{SHA}')) return passwordMatches(stored, '{SHA}' + createHash('sha1').update(given).digest('base64'));
  return passwordMatches(stored, given);
}

/** Parses an `Authorization: Basic …` header; null when absent or malformed. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
