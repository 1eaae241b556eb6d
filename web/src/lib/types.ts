// The shapes of Mailcove's public API as the UI reads them. Those declared by the server's pure contract modules
// (the store's summary, the event envelope, the message view) are imported type-only, so nothing of the server
// is bundled and the UI cannot drift from them. Route modules are not imported: their types lean on Fastify
// augmentations that only the whole server program sees.
import type { MessageSummary } from '../../../server/store/types.ts';

export type { LiveEvent } from '../../../server/events/hub.ts';
export type { AttachmentInfo as Attachment, MessageView as Message } from '../../../server/mail/message-view.ts';
export type { Address, MessageSummary } from '../../../server/store/types.ts';

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

export type Headers = Record<string, string[]>;

/** The fields of GET /api/v1/webui that the UI uses. */
export interface WebUISettings {
  Label: string;
  HideDeleteAllButton: boolean;
}

/** Which messages a bulk action applies to: these IDs, or every message matching a search ('' = all). */
export type Target = { ids: string[] } | { query: string };
