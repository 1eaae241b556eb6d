// List-Unsubscribe / List-Unsubscribe-Post (RFC 2369, RFC 8058) summarised and validated the way Mailpit does it
// (internal/tools/listunsubscribeparser.go): at most one mailto: and one http(s) link, each in <>, comma separated,
// no spaces; problems are reported as one comma-joined string.

/** Mailpit's ListUnsubscribe JSON object. */
export interface ListUnsubscribe {
  /** The List-Unsubscribe header value ('' when there is none). */
  Header: string;
  /** The valid links found: at most one mailto: and one http(s) link. */
  Links: string[];
  /** Validation errors, comma separated ('' when none). */
  Errors: string;
  /** The List-Unsubscribe-Post header value, when List-Unsubscribe is set. */
  HeaderPost: string;
}

export function emptyListUnsubscribe(): ListUnsubscribe {
  return { Header: '', Links: [], Errors: '', HeaderPost: '' };
}

/** header and headerPost are the (decoded, unfolded) header values; '' when absent. */
export function listUnsubscribe(header: string, headerPost: string): ListUnsubscribe {
  if (header === '') return emptyListUnsubscribe();
  const { links, errors } = parseListUnsubscribe(header);
  return { Header: header, Links: links, Errors: errors, HeaderPost: headerPost };
}

/** The port of Mailpit's ListUnsubscribeParser, with Go's (?U) non-greedy patterns written as lazy ones. */
export function parseListUnsubscribe(value: string): { links: string[]; errors: string } {
  const links: string[] = [];
  const errors: string[] = [];
  let v = value.trim();

  // Comments are (...) groups, stripped wherever they appear.
  for (const comment of v.match(/\([\s\S]*?\)/g) ?? []) v = v.split(comment).join('').trim();

  if (!/<(.*?)>/m.test(v)) return { links, errors: `${goQuote(v)} no valid unsubscribe links found` };
  if (!/^<([\s\S]*?)>$/m.test(v)) return { links, errors: `${goQuote(v)} should be enclosed in <>` };

  const matches = [...v.matchAll(/<(.*?)>/gm)].map((m) => m[1] ?? '');
  if (matches.length > 2) {
    errors.push(`${goQuote(v)} should include a maximum of one email and one HTTP link`);
  } else {
    for (const join of v.matchAll(/>([\s\S]*?)</g)) {
      if (!/^(\s+)?,(\s+)?$/m.test(join[1] ?? '')) return { links, errors: `${goQuote(v)} <> should be split with a comma and optional spaces` };
    }
    let hasMailTo = false;
    let hasHttp = false;
    for (const link of matches) {
      if (/\s/.test(link)) {
        errors.push(`${goQuote(link)} should not contain spaces`);
        continue;
      }
      if (/^mailto:[a-zA-Z0-9]/.test(link)) {
        if (hasMailTo) {
          errors.push(`${goQuote(link)} should only contain one mailto:`);
          continue;
        }
        hasMailTo = true;
      } else if (/^https?:\/\/[a-zA-Z0-9]/i.test(link)) {
        if (hasHttp) {
          errors.push(`${goQuote(link)} should only contain one HTTP link`);
          continue;
        }
        hasHttp = true;
      } else {
        errors.push(`${goQuote(link)} should start with either http(s):// or mailto:`);
        continue;
      }
      const invalid = requestUriError(link);
      if (invalid) {
        errors.push(invalid);
        continue;
      }
      links.push(link);
    }
  }
  return { links, errors: errors.join(', ') };
}

/** The checks Go's url.ParseRequestURI makes on an absolute URI, with its error text; null when it parses. */
function requestUriError(uri: string): string | null {
  const fail = (message: string): string => `parse ${goQuote(uri)}: ${message}`;
  if (/[\x00-\x1f\x7f]/.test(uri)) return fail('net/url: invalid control character in URL');
  let rest = uri.slice(uri.indexOf(':') + 1);
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  // A rootless remainder (mailto:user@host) is opaque: Go accepts it as it is.
  if (!rest.startsWith('/')) return null;
  if (rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    if (at >= 0 && !/^[A-Za-z0-9\-._~!$&'()*+,;=:%@]*$/.test(authority.slice(0, at))) return fail('net/url: invalid userinfo');
    const host = authority.slice(at + 1);
    let port = '';
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close < 0) return fail(`missing ']' in host`);
      port = host.slice(close + 1);
    } else if (host.lastIndexOf(':') >= 0) {
      port = host.slice(host.lastIndexOf(':'));
    }
    if (port !== '' && !/^:\d*$/.test(port)) return fail(`invalid port ${goQuote(port)} after host`);
    const escape = escapeError(host);
    if (escape) return fail(escape);
    const bad = /[^A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%\u0080-\uffff]/.exec(host);
    if (bad) return fail(`invalid character ${goQuote(bad[0])} in host name`);
  }
  const escape = escapeError(rest);
  return escape ? fail(escape) : null;
}

function escapeError(s: string): string | null {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (!/^%[0-9A-Fa-f]{2}/.test(s.slice(i, i + 3))) return `invalid URL escape ${goQuote(s.slice(i, i + 3))}`;
  }
  return null;
}

/** Go's %q for the ASCII text these messages quote. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
