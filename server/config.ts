// One typed, validated configuration built from CLI flags, then MAILCOVE_* environment variables, then defaults.
// Each flag is declared once in FLAGS; parsing, environment lookup and --help are all driven from that table.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDnsOverrides, type DnsOverrides } from './checks/dns-overrides.ts';
import { parseWebhookTargets, type WebhookTarget } from './webhooks/webhook-targets.ts';
import { parseRelayConfig, type RelayConfig } from './relay/relay-config.ts';
import { parseChaosRules, type ChaosRule } from './smtp/chaos.ts';
import { parseRateLimit } from './smtp/rate-limit.ts';

export interface Listen {
  host: string;
  port: number;
}

export interface Config {
  smtp: Listen;
  http: Listen;
  pop3: Listen;
  /** Implicit TLS (POP3S) on the POP3 listener. */
  pop3RequireTls: boolean;
  /** DELE + QUIT leaves messages in the store. */
  pop3Keep: boolean;
  /** 0 means no limit. */
  pop3MaxConnections: number;
  dataDir: string;
  /** 0 means no limit. */
  maxMessages: number;
  /** null means messages never expire by age. */
  maxAgeMs: number | null;
  maxMessageSize: number;
  /** user → password; null means any credentials are accepted. */
  smtpUsers: Map<string, string> | null;
  /** inbox → password (or htpasswd hash): those inboxes need it on SMTP, POP3 and HTTP; null means none do. */
  inboxUsers: Map<string, string> | null;
  smtpTlsCert: string | null;
  smtpTlsKey: string | null;
  smtpRequireTls: boolean;
  label: string;
  /** user → password or htpasswd hash; null means the UI and API are open. */
  uiUsers: Map<string, string> | null;
  /** Separate credentials for POST /api/v1/send; null falls back to uiUsers. */
  sendApiUsers: Map<string, string> | null;
  /** Accept any credentials on the send API. */
  sendApiAcceptAny: boolean;
  /** Allowed CORS origins for the API; empty means no CORS headers. */
  apiCors: string[];
  /** spamd address for the sa-check; null means the built-in rules. */
  spamassassin: Listen | null;
  /** Let the link check reach loopback, private, link-local and unique-local addresses. */
  allowInternalHttpRequests: boolean;
  /** DNS answers for the auth-check that come before the real resolver; null means none. */
  dnsOverrides: DnsOverrides | null;
  /** Where each new message is POSTed; empty means no webhooks. */
  webhooks: WebhookTarget[];
  /** HMAC-SHA256 key for the webhook signature header; null means unsigned. */
  webhookSecret: string | null;
  /** Where released (and auto-relayed) messages go; null means release is off. */
  smtpRelayConfig: RelayConfig | null;
  /** Relay each SMTP message to its envelope recipients matching this; null means no auto-relay. */
  smtpRelayMatching: RegExp | null;
  /** Mailpit's chaos triggers API (GET/PUT /api/v1/chaos). */
  enableChaos: boolean;
  /** Deterministic SMTP fault rules at start; null means none (and, without --enable-chaos, no chaos API). */
  chaosRules: ChaosRule[] | null;
  /** Messages per minute per client address; 0 means no limit. */
  smtpRateLimit: number;
}

export class ConfigError extends Error {}

/** A 'list' flag may be repeated; its values (or its variable's comma/space-separated items) reach parse one per line. */
type Kind = 'string' | 'boolean' | 'list';

interface Flag<K extends keyof Config> {
  name: string;
  key: K;
  kind: Kind;
  arg?: string;
  help: string;
  default: string | boolean | null;
  parse: (value: string | boolean | null, flag: string) => Config[K];
}

const DEFAULT_MAX_SIZE = '50MB';
/** Record lengths are 32-bit in the segment format, so a message can never be larger than this. */
const MAX_SIZE_LIMIT = 2 ** 32 - 1;

function flag<K extends keyof Config>(f: Flag<K>): Flag<K> {
  return f;
}

const FLAGS = [
  flag({ name: 'smtp', key: 'smtp', kind: 'string', arg: 'HOST:PORT', default: '127.0.0.1:1025', help: 'SMTP listener', parse: (v, f) => parseListen(String(v), f) }),
  flag({ name: 'http', key: 'http', kind: 'string', arg: 'HOST:PORT', default: '127.0.0.1:8025', help: 'HTTP listener (web UI, REST API, websocket)', parse: (v, f) => parseListen(String(v), f) }),
  flag({ name: 'pop3', key: 'pop3', kind: 'string', arg: 'HOST:PORT', default: '127.0.0.1:1110', help: 'POP3 listener', parse: (v, f) => parseListen(String(v), f) }),
  flag({ name: 'pop3-require-tls', key: 'pop3RequireTls', kind: 'boolean', default: false, help: 'implicit TLS (POP3S) on the POP3 listener, with the SMTP certificate', parse: (v, f) => parseBool(v, f) }),
  flag({ name: 'pop3-keep', key: 'pop3Keep', kind: 'boolean', default: false, help: 'keep messages on the server even after a POP3 client deletes them (DELE + QUIT)', parse: (v, f) => parseBool(v, f) }),
  flag({ name: 'pop3-max-connections', key: 'pop3MaxConnections', kind: 'string', arg: 'N', default: '1000', help: 'refuse POP3 connections past N open ones; 0 means no limit', parse: (v, f) => parseCount(String(v), f) }),
  flag({ name: 'data', key: 'dataDir', kind: 'string', arg: 'DIR', default: './data', help: 'data folder (messages, index, generated TLS certificate)', parse: (v, f) => parseNonEmpty(String(v), f) }),
  flag({ name: 'max-messages', key: 'maxMessages', kind: 'string', arg: 'N', default: '10000', help: 'keep at most N messages, pruning the oldest; 0 means no limit', parse: (v, f) => parseCount(String(v), f) }),
  flag({ name: 'max-age', key: 'maxAgeMs', kind: 'string', arg: 'DURATION', default: null, help: 'prune messages older than this, e.g. 7d, 36h, 90m', parse: (v, f) => (v === null ? null : parseDuration(String(v), f)) }),
  flag({ name: 'max-message-size', key: 'maxMessageSize', kind: 'string', arg: 'SIZE', default: DEFAULT_MAX_SIZE, help: 'largest accepted message; units B, KB, MB (default 50MB)', parse: (v, f) => parseSize(String(v), f) }),
  flag({ name: 'smtp-auth-file', key: 'smtpUsers', kind: 'string', arg: 'FILE', default: null, help: 'lines of user:password required for SMTP AUTH; without it any credentials are accepted', parse: (v, f) => (v === null ? null : readCredentials(String(v), f)) }),
  flag({ name: 'inbox-auth-file', key: 'inboxUsers', kind: 'string', arg: 'FILE', default: null, help: 'lines of inbox:password (plain or htpasswd hash); a listed inbox needs its password for SMTP AUTH, POP3 and HTTP Basic auth, and is hidden from other logins', parse: (v, f) => (v === null ? null : readCredentials(String(v), f)) }),
  flag({ name: 'smtp-tls-cert', key: 'smtpTlsCert', kind: 'string', arg: 'FILE', default: null, help: 'PEM certificate for STARTTLS/SMTPS and POP3 STLS/POP3S; without it a self-signed one is generated once into the data folder', parse: (v, f) => (v === null ? null : parseReadable(String(v), f)) }),
  flag({ name: 'smtp-tls-key', key: 'smtpTlsKey', kind: 'string', arg: 'FILE', default: null, help: 'PEM private key for --smtp-tls-cert', parse: (v, f) => (v === null ? null : parseReadable(String(v), f)) }),
  flag({ name: 'smtp-require-tls', key: 'smtpRequireTls', kind: 'boolean', default: false, help: 'implicit TLS (SMTPS) on the SMTP listener', parse: (v, f) => parseBool(v, f) }),
  flag({ name: 'ui-auth-file', key: 'uiUsers', kind: 'string', arg: 'FILE', default: null, help: 'htpasswd-style file (user:password, bcrypt, $apr1$ or {SHA}); requires HTTP Basic auth for the UI, API and websocket', parse: (v, f) => (v === null ? null : readCredentials(String(v), f)) }),
  flag({ name: 'send-api-auth-file', key: 'sendApiUsers', kind: 'string', arg: 'FILE', default: null, help: 'separate htpasswd-style file for POST /api/v1/send (default: the UI credentials)', parse: (v, f) => (v === null ? null : readCredentials(String(v), f)) }),
  flag({ name: 'send-api-auth-accept-any', key: 'sendApiAcceptAny', kind: 'boolean', default: false, help: 'accept any credentials (or none) on POST /api/v1/send', parse: (v, f) => parseBool(v, f) }),
  flag({ name: 'api-cors', key: 'apiCors', kind: 'string', arg: 'ORIGINS', default: '', help: 'comma-separated origins allowed to call the API from a browser, or *', parse: (v, f) => parseOrigins(String(v ?? ''), f) }),
  flag({ name: 'spamassassin', key: 'spamassassin', kind: 'string', arg: 'HOST:PORT', default: null, help: 'score messages with this SpamAssassin spamd (SPAMC/1.5) instead of the built-in rules', parse: (v, f) => (v === null ? null : parseListen(String(v), f)) }),
  flag({ name: 'allow-internal-http-requests', key: 'allowInternalHttpRequests', kind: 'boolean', default: false, help: 'let the link check request loopback, private, link-local and unique-local addresses', parse: (v, f) => parseBool(v, f) }),
  flag({ name: 'dns-overrides', key: 'dnsOverrides', kind: 'string', arg: 'FILE', default: null, help: 'JSON {"name": {"TXT": [...], "A": [...], "MX": [...]}} answering the auth check\'s DNS lookups before the real resolver', parse: (v, f) => (v === null ? null : readParsed(String(v), f, parseDnsOverrides)) }),
  flag({ name: 'webhook-url', key: 'webhooks', kind: 'list', arg: 'URL', default: null, help: 'POST each new message\'s summary JSON here; repeatable; URL#inbox=NAME limits it to one inbox', parse: (v, f) => withFlag(f, () => parseWebhookTargets(splitList(v))) }),
  flag({ name: 'webhook-secret', key: 'webhookSecret', kind: 'string', arg: 'SECRET', default: null, help: 'sign webhook bodies with HMAC-SHA256 (X-Mailcove-Signature, X-Mailcove-Timestamp)', parse: (v) => (v === null || v === '' ? null : String(v)) }),
  flag({ name: 'smtp-relay-config', key: 'smtpRelayConfig', kind: 'string', arg: 'FILE', default: null, help: 'Mailpit-style relay YAML (host, port, starttls, tls, auth, allowed-recipients, ...); enables releasing messages', parse: (v, f) => (v === null ? null : readParsed(String(v), f, parseRelayConfig)) }),
  flag({ name: 'smtp-relay-matching', key: 'smtpRelayMatching', kind: 'string', arg: 'REGEX', default: null, help: 'relay every SMTP message to its recipients matching this (case-insensitive) regex, through --smtp-relay-config', parse: (v, f) => (v === null ? null : withFlag(f, () => new RegExp(String(v), 'i'))) }),
  flag({ name: 'enable-chaos', key: 'enableChaos', kind: 'boolean', default: false, help: 'enable Mailpit\'s chaos triggers API (GET/PUT /api/v1/chaos) for SMTP fault injection', parse: (v, f) => parseBool(v, f) }),
  flag({ name: 'chaos-rules', key: 'chaosRules', kind: 'string', arg: 'FILE', default: null, help: 'JSON array of SMTP fault rules {stage, match, reply, times, delayMs, disconnect}; editable at /api/v1/chaos/rules', parse: (v, f) => (v === null ? null : readParsed(String(v), f, (text) => parseChaosRules(JSON.parse(text)))) }),
  flag({ name: 'smtp-rate-limit', key: 'smtpRateLimit', kind: 'string', arg: 'N/min', default: '0', help: 'answer 421 to a client address past N messages per minute; 0 means no limit', parse: (v, f) => withFlag(f, () => parseRateLimit(String(v))) }),
  flag({ name: 'label', key: 'label', kind: 'string', arg: 'TEXT', default: '', help: 'instance label shown in the UI and /api/v1/info', parse: (v) => String(v ?? '') }),
];

export function envName(flagName: string): string {
  return 'MAILCOVE_' + flagName.toUpperCase().replace(/-/g, '_');
}

/** Builds the config; throws ConfigError with a single-line message on any bad value. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const f of FLAGS) options[f.name] = f.kind === 'list' ? { type: 'string', multiple: true } : { type: f.kind };
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const f of FLAGS) {
    const given = values[f.name];
    const fromFlag = Array.isArray(given) ? given.join('\n') : given;
    const variable = env[envName(f.name)];
    const fromEnv = f.kind === 'list' && variable !== undefined ? variable.split(/[\s,]+/).filter(Boolean).join('\n') : variable;
    const raw: string | boolean | null = fromFlag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : f.default);
    const source = fromFlag !== undefined ? `--${f.name}` : fromEnv ? envName(f.name) : `--${f.name}`;
    config[f.key] = f.parse(raw, source);
  }
  const result = config as Config;
  if ((result.smtpTlsCert === null) !== (result.smtpTlsKey === null)) {
    throw new ConfigError('--smtp-tls-cert and --smtp-tls-key must be given together');
  }
  if (result.smtpRelayMatching && !result.smtpRelayConfig) throw new ConfigError('--smtp-relay-matching needs --smtp-relay-config');
  result.dataDir = resolve(result.dataDir);
  return result;
}

export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const left = `  --${f.name}${f.arg ? ' ' + f.arg : ''}`;
    const def = f.default !== null && f.default !== false && f.default !== '' ? ` [default: ${f.default}]` : '';
    return `${left.padEnd(34)} ${f.help}${def}\n${''.padEnd(35)}env ${envName(f.name)}`;
  });
  return ['Usage: npm start -- [flags]', '', 'Mailcove: an email testing sandbox that catches every SMTP message.', '', 'Flags:', ...rows, `  --help${''.padEnd(28)}show this help`].join('\n');
}

export function parseListen(value: string, flagName: string): Listen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${flagName}: expected HOST:PORT (e.g. 127.0.0.1:1025), got "${value}"`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  return { host, port };
}

export function parseSize(value: string, flagName: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB)?$/i.exec(value.trim());
  if (!m) throw new ConfigError(`${flagName}: expected a size such as 512KB or 50MB (units B, KB, MB), got "${value}"`);
  const unit = (m[2] ?? 'B').toUpperCase();
  const bytes = Math.floor(Number(m[1]) * (unit === 'MB' ? 1024 * 1024 : unit === 'KB' ? 1024 : 1));
  if (bytes < 1 || bytes > MAX_SIZE_LIMIT) throw new ConfigError(`${flagName}: size must be between 1B and 4095MB, got "${value}"`);
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string, flagName: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/i.exec(value.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]! : 0;
  if (!m || ms <= 0) throw new ConfigError(`${flagName}: expected a duration such as 7d, 36h, 90m or 30s, got "${value}"`);
  return ms;
}

function parseOrigins(value: string, flagName: string): string[] {
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^\s/]+$/.test(origin)) {
      throw new ConfigError(`${flagName}: expected origins like https://app.example.com or *, got "${origin}"`);
    }
  }
  return origins;
}

/** Runs a parser that throws plain Errors, naming the flag in the ConfigError. */
function withFlag<T>(flagName: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ConfigError(`${flagName}: ${(err as Error).message}`);
  }
}

/** A list flag's values, one per line (see Kind). */
function splitList(value: string | boolean | null): string[] {
  return typeof value === 'string' ? value.split('\n').filter(Boolean) : [];
}

function parseCount(value: string, flagName: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${flagName}: expected a whole number >= 0, got "${value}"`);
  return Number(value.trim());
}

function parseNonEmpty(value: string, flagName: string): string {
  if (!value.trim()) throw new ConfigError(`${flagName}: must not be empty`);
  return value.trim();
}

function parseBool(value: string | boolean | null, flagName: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null) return false;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${flagName}: expected true or false, got "${value}"`);
}

function parseReadable(path: string, flagName: string): string {
  try {
    readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${flagName}: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return resolve(path);
}

/** Reads a file and parses its text; either failure is one ConfigError line naming the flag and the file. */
function readParsed<T>(path: string, flagName: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${flagName}: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new ConfigError(`${flagName}: "${path}": ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Reads lines of `name:password`; blank lines and # comments are ignored. */
export function readCredentials(path: string, flagName: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${flagName}: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      throw new ConfigError(`${flagName}: line ${i + 1} of "${path}" is not name:password`);
    }
    users.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  });
  if (users.size === 0) throw new ConfigError(`${flagName}: "${path}" holds no name:password lines`);
  return users;
}
