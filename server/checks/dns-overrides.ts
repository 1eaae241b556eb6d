// --dns-overrides FILE: a JSON zone that answers DNS lookups before the real resolver, so teams can check DKIM/SPF/DMARC
// before they publish records, and tests are deterministic. Parsed and validated once at start-up.
//
//   { "sel._domainkey.example.com": { "TXT": ["v=DKIM1; k=rsa; p=MIIB..."] },
//     "example.com": { "TXT": ["v=spf1 ip4:192.0.2.1 -all"], "MX": ["10 mx.example.com"], "A": ["192.0.2.1"] } }
//
// A name in the file is authoritative: a type it does not list answers ENODATA. A name not in the file goes to the
// real resolver (node:dns/promises).
import { Resolver } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';

export interface MxRecord {
  exchange: string;
  priority: number;
}

/** One name's records, in the shapes node:dns/promises `resolve` returns (TXT as chunk lists). */
export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
  TXT?: string[][];
  MX?: MxRecord[];
  CNAME?: string[];
  NS?: string[];
  PTR?: string[];
}

export type DnsRecordType = keyof DnsRecords;

/** Lower-cased names without the trailing dot → records. */
export type DnsOverrides = ReadonlyMap<string, DnsRecords>;

/** mailauth's resolver contract: dns.promises.resolve(name, type). */
export type DnsResolve = (name: string, type: string) => Promise<unknown[]>;

const TYPES: readonly DnsRecordType[] = ['A', 'AAAA', 'TXT', 'MX', 'CNAME', 'NS', 'PTR'];
const NAME = /^(?=.{1,253}$)(\*\.)?([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Parses and validates the file's text; throws an Error with a one-line message naming what is wrong. */
export function parseDnsOverrides(text: string): DnsOverrides {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isObject(json)) throw new Error('expected a JSON object of names, e.g. {"example.com": {"TXT": ["v=spf1 -all"]}}');
  const zone = new Map<string, DnsRecords>();
  for (const [rawName, rawRecords] of Object.entries(json)) {
    const name = normaliseName(rawName);
    if (!NAME.test(name)) throw new Error(`"${rawName}" is not a DNS name`);
    if (!isObject(rawRecords)) throw new Error(`"${rawName}" must map to an object of record types, e.g. {"TXT": ["..."]}`);
    const records: DnsRecords = zone.get(name) ?? {};
    for (const [rawType, rawValues] of Object.entries(rawRecords)) {
      const type = rawType.toUpperCase() as DnsRecordType;
      if (!TYPES.includes(type)) throw new Error(`"${rawName}": record type "${rawType}" is not one of ${TYPES.join(', ')}`);
      const values = Array.isArray(rawValues) ? rawValues : [rawValues];
      const where = `"${rawName}" ${type}`;
      setRecords(records, type, values, where);
    }
    zone.set(name, records);
  }
  return zone;
}

function setRecords(records: DnsRecords, type: DnsRecordType, values: unknown[], where: string): void {
  switch (type) {
    case 'A':
    case 'AAAA': {
      const valid = type === 'A' ? isIPv4 : isIPv6;
      records[type] = values.map((v) => {
        if (typeof v !== 'string' || !valid(v)) throw new Error(`${where}: ${JSON.stringify(v)} is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`);
        return v;
      });
      return;
    }
    case 'TXT':
      // A long TXT record may be given as its 255-byte chunks: ["part 1", "part 2"].
      records.TXT = values.map((v) => {
        if (typeof v === 'string') return [v];
        if (Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'string')) return v as string[];
        throw new Error(`${where}: ${JSON.stringify(v)} must be a string or an array of strings`);
      });
      return;
    case 'MX':
      records.MX = values.map((v) => parseMx(v, where));
      return;
    default:
      records[type] = values.map((v) => {
        if (typeof v !== 'string' || !NAME.test(normaliseName(v))) throw new Error(`${where}: ${JSON.stringify(v)} is not a host name`);
        return normaliseName(v);
      });
  }
}

/** "10 mx.example.com", "mx.example.com" (priority 0) or {"exchange": "mx.example.com", "priority": 10}. */
function parseMx(value: unknown, where: string): MxRecord {
  if (typeof value === 'string') {
    const m = /^\s*(?:(\d{1,5})\s+)?(\S+)\s*$/.exec(value);
    if (m && NAME.test(normaliseName(m[2]!))) return { priority: Number(m[1] ?? 0), exchange: normaliseName(m[2]!) };
  } else if (isObject(value) && typeof value.exchange === 'string' && NAME.test(normaliseName(value.exchange))) {
    const priority = value.priority ?? 0;
    if (typeof priority === 'number' && Number.isInteger(priority) && priority >= 0 && priority <= 65535) {
      return { exchange: normaliseName(value.exchange), priority };
    }
  }
  throw new Error(`${where}: ${JSON.stringify(value)} must be "PRIORITY HOST" or {"exchange": HOST, "priority": N}`);
}

/**
 * A resolver that answers from the overrides first; names not in them go to `fallback` (the system's DNS servers,
 * with a short timeout so a machine without network fails fast rather than stalling a check).
 */
export function overridingResolver(overrides: DnsOverrides | null, fallback: DnsResolve = systemResolver()): DnsResolve {
  return async (name, type) => {
    const records = overrides?.get(normaliseName(name));
    if (!records) return fallback(name, type);
    const answer = records[type.toUpperCase() as DnsRecordType];
    if (!answer || answer.length === 0) throw dnsError('ENODATA', `${name} has no ${type} record in --dns-overrides`);
    // Callers may mutate what they get back (mailauth joins TXT chunks in place); hand out copies.
    return answer.map((r) => (Array.isArray(r) ? [...r] : typeof r === 'object' ? { ...r } : r));
  };
}

function systemResolver(): DnsResolve {
  const resolver = new Resolver({ timeout: 2500, tries: 2 });
  return (name, type) => resolver.resolve(name, type) as Promise<unknown[]>;
}

export function dnsError(code: 'ENODATA' | 'ENOTFOUND', message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
