// The link check: every link and image URL in a message's HTML and text (at most 100), each tried with HEAD and,
// when HEAD is refused or fails, GET; in Mailpit's link-check shape (internal/linkcheck).
//
// Server-side request forgery: the check makes this server request URLs chosen by whoever sent the mail. Unless
// --allow-internal-http-requests is set, loopback, private, link-local, unique-local and other non-public addresses
// are refused. The host name is resolved first and every address it resolves to is checked; the connection then goes
// to exactly the address that was checked (no second lookup, so DNS rebinding cannot swap it), and a redirect is
// checked again like a new link before it is followed.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { httpUrls, scanHtml } from '../mail/links.ts';

/** Mailpit's LinkCheckResponse. */
export interface LinkCheckResponse {
  /** Links that answered 400 or more, or did not answer. */
  Errors: number;
  Links: LinkResult[];
}

export interface LinkResult {
  URL: string;
  /** 0 when there was no HTTP answer (refused, timed out, blocked...). */
  StatusCode: number;
  /** The status text, or why there was no answer. */
  Status: string;
}

export interface LinkCheckOptions {
  /** Follow redirects and report where they end (Mailpit's ?follow=true). */
  follow: boolean;
  /** --allow-internal-http-requests. */
  allowInternal: boolean;
  /** For each request. */
  timeoutMs?: number;
  userAgent?: string;
  maxLinks?: number;
  concurrency?: number;
  /** Why an address may not be requested, or null; defaults to refusing internal ranges unless allowInternal. */
  refuse?: (address: string) => string | null;
}

const LINK_TIMEOUT_MS = 10_000;
const MAX_LINKS = 100;
const MAX_REDIRECTS = 10;

/** Checks the links of a message's HTML and text bodies. */
export async function linkCheck(body: { html: string; text: string }, options: LinkCheckOptions): Promise<LinkCheckResponse> {
  const urls = linksToCheck(body.html, body.text, options.maxLinks ?? MAX_LINKS);
  const links = await mapLimited(urls, options.concurrency ?? 5, (url) => checkUrl(url, options));
  return { Errors: links.filter((l) => l.StatusCode === 0 || l.StatusCode >= 400).length, Links: links };
}

/** As Mailpit: <a href>, stylesheet <link href> and <img src> of the HTML, then URLs in the text; http(s), unique. */
export function linksToCheck(html: string, text: string, max = MAX_LINKS): string[] {
  return [...new Set(httpUrls(scanHtml(html), text))].slice(0, max);
}

export async function checkUrl(url: string, options: LinkCheckOptions): Promise<LinkResult> {
  const refuse = options.refuse ?? (options.allowInternal ? () => null : internalAddress);
  let current = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const { status, location } = await headThenGet(current, { ...options, refuse });
      if (!(options.follow && location && status >= 300 && status < 400)) return { URL: url, StatusCode: status, Status: STATUS_CODES[status] ?? '' };
      current = new URL(location, current).href;
    }
    return { URL: url, StatusCode: 0, Status: `stopped after ${MAX_REDIRECTS} redirects` };
  } catch (err) {
    return { URL: url, StatusCode: 0, Status: errorSummary(err) };
  }
}

interface Answer {
  status: number;
  location: string | undefined;
}

type RequestOptions = LinkCheckOptions & { refuse: (address: string) => string | null };

/** Some servers refuse or mishandle HEAD: a failed HEAD, or a 4xx/5xx one, is tried again with GET. */
async function headThenGet(url: string, options: RequestOptions): Promise<Answer> {
  try {
    const head = await request(url, 'HEAD', options);
    if (head.status < 400) return head;
  } catch (err) {
    if (err instanceof FinalError || (err as NodeJS.ErrnoException).code === 'ENOTFOUND') throw err;
  }
  return request(url, 'GET', options);
}

/** Failures a second request cannot fix: refused addresses, timeouts, unknown hosts. */
class FinalError extends Error {}

function request(url: string, method: 'HEAD' | 'GET', options: RequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new FinalError('invalid URL'));
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      reject(new FinalError(`unsupported protocol ${target.protocol}`));
      return;
    }
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    // Node connects to an IP literal without calling `lookup`, so literals are checked here.
    const refused = isIP(literal) ? options.refuse(literal) : null;
    if (refused) {
      reject(new FinalError(refused));
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method,
      agent: false,
      lookup: guardedLookup(options.refuse),
      headers: { 'User-Agent': options.userAgent ?? 'Mailcove', Accept: '*/*' },
    });
    const timeoutMs = options.timeoutMs ?? LINK_TIMEOUT_MS;
    const timer = setTimeout(() => req.destroy(new FinalError('timeout')), timeoutMs);
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      // Only the status line matters: drop the body and the connection.
      res.destroy();
      req.destroy();
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** Resolves like dns.lookup, then refuses the whole answer if any address is refused. */
function guardedLookup(refuse: (address: string) => string | null): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      const refused = addresses.map((a) => refuse(a.address)).find(Boolean);
      if (refused) return callback(new FinalError(`${hostname}: ${refused}`), '', 4);
      if (addresses.length === 0) return callback(Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

// ---- addresses that are not on the public internet --------------------------------------------------------------

const RANGES: Array<[string, Array<[string, number, 'ipv4' | 'ipv6']>]> = [
  ['unspecified', [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']]],
  ['loopback', [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]],
  ['private', [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4']]],
  ['carrier-grade NAT', [['100.64.0.0', 10, 'ipv4']]],
  ['link-local', [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']]],
  ['unique-local', [['fc00::', 7, 'ipv6']]],
  ['multicast', [['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']]],
  ['reserved', [['240.0.0.0', 4, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['198.18.0.0', 15, 'ipv4']]],
];

const BLOCKS = RANGES.map(([label, subnets]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return [label, list] as const;
});

/** Why an address is internal ("127.0.0.1 is a loopback address"), or null for a public one. */
export function internalAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  for (const [label, list] of BLOCKS) {
    if (v4 ? list.check(v4, 'ipv4') : list.check(address, 'ipv6')) {
      return `${address} is ${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label} address (--allow-internal-http-requests to allow)`;
    }
  }
  return null;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::) or 6to4 (2002::) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const words = expandIpv6(lower);
  if (!words) return null;
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0);
  if (mapped || nat64) return wordsToIpv4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return wordsToIpv4(words[1]!, words[2]!);
  return null;
}

function expandIpv6(address: string): number[] | null {
  if (address.includes('.')) return null;
  const [left = '', right] = address.split('::');
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  const fill = right === undefined ? 0 : 8 - head.length - tail.length;
  const words = [...head, ...Array<string>(Math.max(0, fill)).fill('0'), ...tail].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}

function wordsToIpv4(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

// ---- helpers ---------------------------------------------------------------------------------------------------

const ERROR_TEXT: Record<string, string> = {
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'temporary DNS failure',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'timeout',
};

/** A short reason, as Mailpit keeps only the last part of Go's error text. */
function errorSummary(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && ERROR_TEXT[code]) return ERROR_TEXT[code];
  return err instanceof Error ? err.message : String(err);
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
