// The authentication check: DKIM, SPF, DMARC and ARC through mailauth, evaluated as the receiving server would at
// SMTP time (client IP, HELO name and MAIL FROM as recorded then), plus the List-Unsubscribe requirements Gmail and
// Yahoo set for bulk senders (RFC 8058 one-click), which depend on DKIM and so live here rather than in the spam report.
import type { AuthenticateResult, DKIMResult, DNSResolver } from 'mailauth';
import type { DnsResolve } from './dns-overrides.ts';
import type { CheckMessage } from './message.ts';

export interface AuthReport {
  DKIM: Array<{ Result: string; Domain: string; Selector: string; Info: string }>;
  SPF: { Result: string; Info: string };
  DMARC: { Result: string; Policy: string; Info: string };
  ARC: { Result: string; Info: string };
  ListUnsubscribe: ListUnsubscribeReport;
}

export interface ListUnsubscribeReport {
  /** The List-Unsubscribe value ('' when absent). */
  Header: string;
  /** The List-Unsubscribe-Post value ('' when absent). */
  HeaderPost: string;
  /** Valid unsubscribe links found (at most one mailto: and one http(s)). */
  Links: string[];
  /** Problems with the header, comma separated ('' when none). */
  Errors: string;
  /** List-Unsubscribe is present. */
  Present: boolean;
  /** RFC 8058: List-Unsubscribe-Post is exactly "List-Unsubscribe=One-Click". */
  OneClick: boolean;
  /** The header holds an https:// link (one-click needs one). */
  HTTPS: boolean;
  /** A passing DKIM signature covers List-Unsubscribe (and List-Unsubscribe-Post when present), as RFC 8058 requires. */
  DKIMSigned: boolean;
  /** Gmail's and Yahoo's bulk-sender requirement: all of the above. */
  BulkSenderReady: boolean;
  /** What is missing for BulkSenderReady, or that nothing is. */
  Info: string;
}

/** The MTA name mailauth writes into its Authentication-Results text. */
const MTA = 'mailcove';

type Authenticate = (typeof import('mailauth'))['authenticate'];

let mailauth: Promise<Authenticate> | undefined;

/** mailauth and its dependencies are large: loaded on the first check, not at start-up. */
function loadMailauth(): Promise<Authenticate> {
  mailauth ??= import('mailauth').then((m) => m.authenticate);
  return mailauth;
}

export async function authCheck(message: CheckMessage, resolve: DnsResolve): Promise<AuthReport> {
  const authenticate = await loadMailauth();
  const { Client, Envelope } = message.summary;
  const ip = Client.Address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const result = await authenticate(message.raw, {
    ip: ip || undefined,
    helo: Client.Helo || undefined,
    sender: Envelope.MailFrom || undefined,
    mta: MTA,
    // mailauth only passes the answers on to its parsers; the shapes are node:dns's either way.
    resolver: resolve as DNSResolver,
    disableBimi: true,
  });
  return {
    DKIM: dkim(result),
    SPF: ip ? { Result: result.spf ? result.spf.status.result : 'none', Info: result.spf ? result.spf.info ?? '' : '' } : { Result: 'none', Info: 'no SMTP client address recorded for this message' },
    DMARC: result.dmarc ? { Result: result.dmarc.status.result, Policy: result.dmarc.policy || 'none', Info: result.dmarc.info ?? '' } : { Result: 'none', Policy: 'none', Info: 'no From: domain to check' },
    ARC: result.arc ? { Result: result.arc.status.result, Info: result.arc.info ?? result.arc.status.comment ?? '' } : { Result: 'none', Info: '' },
    ListUnsubscribe: listUnsubscribeReport(message, result.dkim.results),
  };
}

function dkim(result: AuthenticateResult): AuthReport['DKIM'] {
  return result.dkim.results.map((r) => ({ Result: r.status.result, Domain: r.signingDomain ?? '', Selector: r.selector ?? '', Info: r.info ?? '' }));
}

function listUnsubscribeReport(message: CheckMessage, signatures: DKIMResult[]): ListUnsubscribeReport {
  const { Header, HeaderPost, Links, Errors } = message.view.ListUnsubscribe;
  const present = Header.trim() !== '';
  const oneClick = /^\s*List-Unsubscribe\s*=\s*One-Click\s*$/i.test(HeaderPost);
  const https = Links.some((l) => /^https:\/\//i.test(l));
  const needed = ['list-unsubscribe', ...(HeaderPost ? ['list-unsubscribe-post'] : [])];
  const signed = present && signatures.some((s) => s.status.result === 'pass' && needed.every((h) => signedHeaders(s).includes(h)));
  const missing = [
    !present && 'no List-Unsubscribe header',
    present && !https && 'no https:// link in List-Unsubscribe',
    !oneClick && 'no "List-Unsubscribe-Post: List-Unsubscribe=One-Click" header (RFC 8058)',
    present && !signed && 'List-Unsubscribe is not covered by a passing DKIM signature',
  ].filter((m): m is string => typeof m === 'string');
  return {
    Header,
    HeaderPost,
    Links,
    Errors,
    Present: present,
    OneClick: oneClick,
    HTTPS: https,
    DKIMSigned: signed,
    BulkSenderReady: missing.length === 0,
    Info: missing.length ? missing.join('; ') : 'meets the Gmail and Yahoo one-click unsubscribe requirement',
  };
}

/** The header names a DKIM signature covers (its h= tag), lower-cased. */
function signedHeaders(signature: DKIMResult): string[] {
  const keys = (signature as DKIMResult & { signingHeaders?: { keys?: string } }).signingHeaders?.keys ?? '';
  return keys.split(':').map((k) => k.trim().toLowerCase()).filter(Boolean);
}
