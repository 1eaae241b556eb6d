// The Store contract: every backend (the segment store today, PostgreSQL later) implements this and passes
// tests/store-contract.ts.
import type { Readable } from 'node:stream';

export interface Address {
  Name: string;
  Address: string;
}

/** What only the SMTP session knows; stored with the raw bytes so the index can be rebuilt from disk. */
export interface MessageMeta {
  envelope: { mailFrom: string; rcptTo: string[] };
  client: { address: string; helo: string; tls: boolean };
  /** SMTP AUTH username, '' when the client did not authenticate. */
  username: string;
}

/** A message as listed: Mailpit's MessageSummary field names, plus Mailcove's own (Inbox, Envelope, Client...). */
export interface MessageSummary {
  ID: string;
  MessageID: string;
  Inbox: string;
  Read: boolean;
  From: Address | null;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
  Subject: string;
  /** RFC 3339 time the message was received. */
  Created: string;
  Tags: string[];
  Size: number;
  Attachments: number;
  Snippet: string;
  Username: string;
  Envelope: { MailFrom: string; RcptTo: string[] };
  Client: { Address: string; Helo: string; TLS: boolean };
  /** Set when the raw bytes could not be parsed; the raw message is kept regardless. */
  ParseError?: string;
}

/** What search needs beyond the summary; kept in memory (and in the index) so search never reads message files. */
export interface SearchFields {
  /** Lower-cased decoded text: subject, names and addresses, text body, attachment file names. */
  text: string;
  /** Number of inline parts (has:inline). */
  inline: number;
}

export interface Summarised {
  summary: MessageSummary;
  search: SearchFields;
}

/** Turns raw bytes plus session metadata into a summary. Injected so the store stays free of MIME parsing. */
export type Summarise = (raw: Buffer, meta: MessageMeta, id: string, created: Date) => Promise<Summarised>;

export interface NewMessage {
  raw: Buffer;
  meta: MessageMeta;
}

export interface AddOptions {
  /**
   * Called as soon as the raw bytes are durable, before the message is parsed and indexed: the SMTP listener
   * answers 250 here, so the client's next message overlaps the parse. Until add() resolves, the message is not
   * in the index yet; readers that must see every acknowledged message await indexed() first.
   */
  onDurable?: (id: string) => void;
}

export interface ListOptions {
  start?: number;
  limit?: number;
  filter?: (summary: MessageSummary, search: SearchFields) => boolean;
}

export interface ListResult {
  /** Messages matching the filter. */
  total: number;
  unread: number;
  /** Newest first. */
  messages: MessageSummary[];
}

export type StoreEvent =
  | { type: 'new'; message: MessageSummary; search: SearchFields }
  | { type: 'update'; ids: string[]; read?: boolean; tags?: string[] }
  /** `inboxes[i]` is the inbox `ids[i]` was in. */
  | { type: 'delete'; ids: string[]; inboxes: string[] }
  | { type: 'prune'; ids: string[]; inboxes: string[] }
  | { type: 'truncate' };

export interface Store {
  /** Opens the store, reconciling the index with what is on disk. */
  open(): Promise<void>;
  /** Flushes pending index writes and releases files. */
  close(): Promise<void>;
  /** Resolves once the raw bytes are durable on disk and the message is in the index. */
  add(message: NewMessage, options?: AddOptions): Promise<MessageSummary>;
  /**
   * Resolves once every message acknowledged so far (its onDurable called) is in the index; undefined when none
   * is waiting, so the common case costs no promise.
   */
  indexed(): Promise<void> | undefined;
  get(id: string): MessageSummary | undefined;
  /** The newest message matching the filter (or the newest of all). */
  latest(filter?: ListOptions['filter']): MessageSummary | undefined;
  list(options?: ListOptions): ListResult;
  count(): number;
  /** Bytes the store occupies on its medium. */
  diskSize(): Promise<number>;
  /** Every tag in use, with how many messages carry it. */
  tagCounts(): Map<string, number>;
  readRaw(id: string): Promise<Buffer>;
  rawStream(id: string): Readable;
  setRead(ids: string[], read: boolean): Promise<string[]>;
  /** Stores the tags as given; cleaning and ordering them is the caller's (see server/mail/tags.ts). */
  setTags(ids: string[], tags: string[]): Promise<string[]>;
  /** Returns the IDs that existed and are now gone. */
  delete(ids: string[]): Promise<string[]>;
  deleteAll(): Promise<void>;
  /** Applies the retention limits now; returns the pruned IDs. */
  prune(now?: Date): Promise<string[]>;
  subscribe(listener: (event: StoreEvent) => void): () => void;
}

export class NotFoundError extends Error {
  constructor(id: string) {
    super(`message ${id} not found`);
  }
}
