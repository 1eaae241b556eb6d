// The quality checks as the API serves them: each report computed once per message through the cache, each check
// module (and its heavy dependencies: caniemail's data, mailauth) imported on its first use rather than at start-up.
import type { Config } from '../config.ts';
import { messageBodies } from '../mail/message-view.ts';
import { NotFoundError, type MessageSummary, type Store } from '../store/types.ts';
import type { AuthReport } from './auth-check.ts';
import { CheckCache } from './cache.ts';
import { overridingResolver, type DnsResolve } from './dns-overrides.ts';
import type { HtmlCheckResponse } from './html-compat.ts';
import type { LinkCheckResponse } from './link-check.ts';
import { readCheckMessage, type CheckMessage } from './message.ts';
import { SPAM_THRESHOLD, type SpamReport } from './spam-rules.ts';

export type CheckSettings = Pick<Config, 'spamassassin' | 'allowInternalHttpRequests' | 'dnsOverrides'> & {
  /** Sent as the link check's User-Agent. */
  version: string;
};

export class Checks {
  readonly cache = new CheckCache();
  private resolver: DnsResolve | undefined;

  constructor(
    private readonly store: Store,
    private readonly settings: CheckSettings,
  ) {
    this.cache.follow(store);
  }

  /** null when the message has no HTML part (Mailpit answers that with a 400). */
  html(summary: MessageSummary, refresh = false): Promise<HtmlCheckResponse | null> {
    return this.cache.get({ id: summary.ID, check: 'html-check' }, async () => {
      const { html } = await this.bodies(summary);
      if (!html) return null;
      const { htmlCheck } = await import('./html-compat.ts');
      return htmlCheck(html);
    }, refresh);
  }

  /** SpamAssassin when --spamassassin is set (an unreachable spamd is reported in Error, and not cached), else the built-in rules. */
  async spam(summary: MessageSummary, refresh = false): Promise<SpamReport> {
    const spamd = this.settings.spamassassin;
    try {
      return await this.cache.get({ id: summary.ID, check: 'sa-check' }, async () => {
        if (spamd) {
          const { spamassassinCheck } = await import('./spamassassin.ts');
          return spamassassinCheck(await this.store.readRaw(summary.ID), spamd);
        }
        const { spamRulesCheck } = await import('./spam-rules.ts');
        return spamRulesCheck(await this.message(summary));
      }, refresh);
    } catch (err) {
      if (!spamd || err instanceof NotFoundError) throw err;
      return { IsSpam: false, Error: (err as Error).message, Score: 0, Rules: [], Engine: 'spamassassin', Threshold: SPAM_THRESHOLD };
    }
  }

  /** Cached per (message, follow); `refresh` checks the links again. */
  links(summary: MessageSummary, follow: boolean, refresh = false): Promise<LinkCheckResponse> {
    return this.cache.get({ id: summary.ID, check: 'link-check', variant: follow ? 'follow' : '' }, async () => {
      const bodies = await this.bodies(summary);
      const { linkCheck } = await import('./link-check.ts');
      return linkCheck(bodies, { follow, allowInternal: this.settings.allowInternalHttpRequests, userAgent: `Mailcove/${this.settings.version}` });
    }, refresh);
  }

  auth(summary: MessageSummary, refresh = false): Promise<AuthReport> {
    return this.cache.get({ id: summary.ID, check: 'auth-check' }, async () => {
      const message = await this.message(summary);
      const { authCheck } = await import('./auth-check.ts');
      this.resolver ??= overridingResolver(this.settings.dnsOverrides);
      return authCheck(message, this.resolver);
    }, refresh);
  }

  /** The whole message view, headers included: for the spam rules and the auth check. */
  private async message(summary: MessageSummary): Promise<CheckMessage> {
    return readCheckMessage(await this.store.readRaw(summary.ID), summary);
  }

  /** Only the HTML and text: the HTML and link checks need no addresses, attachment hashes, links or codes. */
  private async bodies(summary: MessageSummary): Promise<{ html: string; text: string }> {
    return messageBodies(await this.store.readRaw(summary.ID));
  }
}
