// Sends stored messages on to the real SMTP server of --smtp-relay-config, with nodemailer: on request (release)
// and, for recipients matching --smtp-relay-matching, after each message arrives over SMTP.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MessageSummary } from '../store/types.ts';
import { prepareOutgoing } from './prepare.ts';
import { refusedRecipients, type RelayConfig } from './relay-config.ts';

/** A recipient list the relay config refuses: the API's 400. */
export class RelayRefused extends Error {}

export class Relay {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(
    readonly config: RelayConfig,
    private readonly matching: RegExp | null = null,
  ) {
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.tls,
      requireTLS: config.starttls,
      // Mailpit keeps a connection plain unless starttls or tls says otherwise, even when the server offers STARTTLS.
      ignoreTLS: !config.starttls && !config.tls,
      tls: { rejectUnauthorized: !config.allowInsecure },
      auth: config.auth === 'none' ? undefined : { user: config.username, pass: config.password },
      authMethod: config.auth === 'none' ? undefined : config.auth.toUpperCase(),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
  }

  /** Address shown in /api/v1/webui. */
  get server(): string {
    return `${this.config.host}:${this.config.port}`;
  }

  /** Sends one stored message to `to`; throws RelayRefused for recipients the config does not allow. */
  async release(raw: Buffer, summary: MessageSummary, to: string[]): Promise<void> {
    const refused = refusedRecipients(this.config, to);
    if (refused) throw new RelayRefused(refused);
    await this.send(raw, summary, to, true);
  }

  /**
   * Relays a newly arrived message to its envelope recipients that match --smtp-relay-matching and the config's
   * allow/block lists; resolves with those recipients ([] when none).
   */
  private async autoRelay(raw: Buffer, summary: MessageSummary): Promise<string[]> {
    const matching = this.matching;
    if (!matching) return [];
    const to = summary.Envelope.RcptTo.filter((r) => matching.test(r) && refusedRecipients(this.config, [r]) === null);
    if (to.length) await this.send(raw, summary, to, false);
    return to;
  }

  /** Whether --smtp-relay-matching is set: only then does each arriving message need `relayArrived`. */
  get autoRelaying(): boolean {
    return this.matching !== null;
  }

  /** autoRelay in the background for a message just accepted over SMTP; a failure goes to `report`, never thrown. */
  relayArrived(summary: MessageSummary, raw: Buffer, report: (message: string) => void): void {
    this.autoRelay(raw, summary).catch((err: Error) => report(`relaying message ${summary.ID} failed: ${err.message}`));
  }

  close(): void {
    this.transport.close();
  }

  private async send(raw: Buffer, summary: MessageSummary, to: string[], release: boolean): Promise<void> {
    const out = await prepareOutgoing(raw, summary.Envelope.MailFrom, this.config, release);
    await this.transport.sendMail({ envelope: { from: out.from, to }, raw: out.raw });
  }
}
