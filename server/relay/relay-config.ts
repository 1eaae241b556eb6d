// Mailpit's --smtp-relay-config YAML: where released and auto-relayed messages go, and which recipients may get them.
import { parse } from 'yaml';

export type RelayAuth = 'none' | 'plain' | 'login' | 'cram-md5';

export interface RelayConfig {
  host: string;
  port: number;
  /** Upgrade with STARTTLS (required); without it and without `tls` the connection stays plain. */
  starttls: boolean;
  /** Implicit TLS from the first byte (SMTPS). */
  tls: boolean;
  /** Accept any server certificate. */
  allowInsecure: boolean;
  auth: RelayAuth;
  username: string;
  password: string;
  /** Envelope sender and Return-Path header for relayed mail; '' keeps the message's own. */
  returnPath: string;
  /** Replaces the From address (the original goes to X-Original-From); '' keeps it. */
  overrideFrom: string;
  /** Only recipients matching this may be relayed to; null allows all. */
  allowedRecipients: RegExp | null;
  /** Recipients matching this are refused; null blocks none. */
  blockedRecipients: RegExp | null;
  /** Keep the Message-ID on release instead of generating a new one. */
  preserveMessageIds: boolean;
}

// `secret` (CRAM-MD5) and `recipient-allowlist` are the older Mailpit spellings of password and allowed-recipients.
const KEYS = new Set(['host', 'port', 'starttls', 'tls', 'allow-insecure', 'auth', 'username', 'password', 'secret', 'return-path', 'override-from', 'allowed-recipients', 'recipient-allowlist', 'blocked-recipients', 'preserve-message-ids']);
const AUTHS: readonly RelayAuth[] = ['none', 'plain', 'login', 'cram-md5'];
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

/** Parses and checks the YAML text; throws an Error whose message is one line naming the bad key. */
export function parseRelayConfig(text: string): RelayConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('expected a YAML mapping of relay settings');
  const raw = doc as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) throw new Error(`unknown key "${key}"`);

  const str = (key: string): string => {
    const v = raw[key];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`"${key}" must be text`);
    return String(v).trim();
  };
  const bool = (key: string): boolean => {
    const v = raw[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new Error(`"${key}" must be true or false`);
    return v;
  };
  const regex = (key: string, value = str(key)): RegExp | null => {
    if (!value) return null;
    try {
      return new RegExp(value, 'i');
    } catch (err) {
      throw new Error(`"${key}" is not a valid regular expression: ${(err as Error).message}`);
    }
  };
  const address = (key: string): string => {
    const v = str(key);
    if (v && !ADDRESS.test(v)) throw new Error(`"${key}" must be an email address, got "${v}"`);
    return v;
  };

  const host = str('host');
  if (!host) throw new Error('"host" is required');
  const port = raw.port === undefined ? 25 : Number(raw.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"port" must be 1-65535, got "${String(raw.port)}"`);
  const starttls = bool('starttls');
  const tls = bool('tls');
  if (starttls && tls) throw new Error('"starttls" and "tls" cannot both be true');
  const username = str('username');
  const password = str('password') || str('secret');
  const authText = (str('auth') || (username ? 'plain' : 'none')).toLowerCase();
  if (!AUTHS.includes(authText as RelayAuth)) throw new Error(`"auth" must be one of ${AUTHS.join(', ')}, got "${authText}"`);
  const auth = authText as RelayAuth;
  if (auth !== 'none' && (!username || !password)) throw new Error(`"auth: ${auth}" needs "username" and "password"`);
  const allowedSource = str('allowed-recipients') || str('recipient-allowlist');
  return {
    host,
    port,
    starttls,
    tls,
    allowInsecure: bool('allow-insecure'),
    auth,
    username,
    password,
    returnPath: address('return-path'),
    overrideFrom: address('override-from'),
    allowedRecipients: regex('allowed-recipients', allowedSource),
    blockedRecipients: regex('blocked-recipients'),
    preserveMessageIds: bool('preserve-message-ids'),
  };
}

/** Why these recipients may not be relayed to (Mailpit's wording), or null when all may. */
export function refusedRecipients(config: RelayConfig, recipients: string[]): string | null {
  if (recipients.length === 0) return 'No valid addresses found';
  const invalid = recipients.filter((r) => !ADDRESS.test(r));
  if (invalid.length) return `Invalid email address: ${invalid.join(', ')}`;
  const notAllowed = recipients.filter((r) => config.allowedRecipients && !config.allowedRecipients.test(r));
  if (notAllowed.length) return `Failed: ${plural(notAllowed.length)} do not match the allowlist: ${notAllowed.join(', ')}`;
  const blocked = recipients.filter((r) => config.blockedRecipients?.test(r));
  if (blocked.length) return `Failed: ${plural(blocked.length)} found on blocklist: ${blocked.join(', ')}`;
  return null;
}

function plural(n: number): string {
  return n === 1 ? 'Address' : 'Addresses';
}
