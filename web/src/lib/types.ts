// The shapes of Mailcove's public API as the UI reads them. Those declared by the server's pure contract modules
// (the store's summary, the event envelope, the message view) are imported type-only, so nothing of the server
// is bundled and the UI cannot drift from them. Route modules are not imported: their types lean on Fastify
// augmentations that only the whole server program sees.
import type { MessageSummary } from '../../../server/store/types.ts';

export type { LiveEvent } from '../../../server/events/hub.ts';
export type { AttachmentInfo as Attachment, MessageView as Message } from '../../../server/mail/message-view.ts';
export type { Address, MessageSummary } from '../../../server/store/types.ts';
// The quality checks' reports (GET /api/v1/message/{ID}/html-check, /sa-check, /link-check, /auth-check), as the
// check modules declare them.
export type { AuthReport, ListUnsubscribeReport } from '../../../server/checks/auth-check.ts';
export type { HtmlCheckResponse as HtmlCheck, HtmlCheckResult, HtmlCheckWarning, SourceLocation } from '../../../server/checks/html-compat.ts';
export type { LinkCheckResponse as LinkCheck, LinkResult } from '../../../server/checks/link-check.ts';
export type { SpamReport, SpamRuleHit } from '../../../server/checks/spam-rules.ts';
// SMTP fault injection (GET/PUT /api/v1/chaos and /api/v1/chaos/rules), as the pure chaos module declares it.
export type { ChaosRule, ChaosStage, Trigger as ChaosTrigger, Triggers as ChaosTriggers } from '../../../server/smtp/chaos.ts';

/** GET /api/v1/messages and /api/v1/search (Mailpit's MessagesSummary). */
export interface MessagesPage {
  total: number;
  unread: number;
  count: number;
  messages_count: number;
  messages_unread: number;
  start: number;
  tags: string[];
  messages: MessageSummary[];
}

/** One entry of GET /api/v1/inboxes. */
export interface InboxCount {
  Name: string;
  Total: number;
  Unread: number;
}

export type MessageHeaders = Record<string, string[]>;

/** The fields of GET /api/v1/webui that the UI uses. */
export interface WebUISettings {
  Label: string;
  HideDeleteAllButton: boolean;
  /** Release is offered only when Enabled (--smtp-relay-config). */
  MessageRelay?: { Enabled: boolean; SMTPServer: string; AllowedRecipients: string; BlockedRecipients: string };
  /** The chaos API answers only when true (--enable-chaos or --chaos-rules). */
  ChaosEnabled?: boolean;
}

/** Which messages a bulk action applies to: these IDs, or every message matching a search ('' = all). */
export type Target = { ids: string[] } | { query: string };
