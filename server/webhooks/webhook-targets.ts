// --webhook-url values: the URL to POST to and the optional inbox filter carried in its fragment (URL#inbox=NAME).
// A fragment is never sent over HTTP, so using it for the filter cannot change what the receiver sees.
import { normaliseInboxName } from '../mail/inbox.ts';

export interface WebhookTarget {
  /** What is POSTed to (the fragment removed). */
  url: string;
  /** Only messages for this inbox; null means every message. */
  inbox: string | null;
  /** The URL without credentials or query (tokens often sit there), plus the filter: for logs and metric labels. */
  label: string;
}

/** Throws a one-line Error naming the bad value; config.ts adds the flag's name. */
export function parseWebhookTargets(values: string[]): WebhookTarget[] {
  return values.map((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`expected an http(s) URL, got "${value}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`expected an http(s) URL, got "${value}"`);
    let inbox: string | null = null;
    if (url.hash) {
      const m = /^#inbox=(.+)$/.exec(url.hash);
      if (!m) throw new Error(`the only fragment understood is #inbox=NAME, got "${url.hash}"`);
      inbox = normaliseInboxName(decodeURIComponent(m[1]!));
      url.hash = '';
    }
    return { url: url.href, inbox, label: `${url.origin}${url.pathname}${inbox === null ? '' : `#inbox=${inbox}`}` };
  });
}
