// JSON schemas shared by the routes. They validate input, shape output, and are the OpenAPI document.
import type {} from '@fastify/swagger';
import { Type } from 'typebox';

export const ErrorBody = Type.Object(
  {
    Error: Type.String(),
    Path: Type.Optional(Type.String({ description: 'Mailcove: a JSON pointer to the part of the request that is wrong, when one part is (e.g. "/1/match": the second chaos rule\'s match)' })),
  },
  { $id: 'Error', description: 'A JSON error message' },
);

export const Address = Type.Object({ Name: Type.String(), Address: Type.String() }, { $id: 'Address' });

export const MessageSummary = Type.Object(
  {
    ID: Type.String(),
    MessageID: Type.String(),
    Inbox: Type.String({ description: 'Mailcove: the inbox this message belongs to' }),
    Read: Type.Boolean(),
    From: Type.Union([Type.Ref('Address'), Type.Null()]),
    To: Type.Array(Type.Ref('Address')),
    Cc: Type.Array(Type.Ref('Address')),
    Bcc: Type.Array(Type.Ref('Address')),
    ReplyTo: Type.Array(Type.Ref('Address')),
    Subject: Type.String(),
    Created: Type.String({ format: 'date-time' }),
    Tags: Type.Array(Type.String()),
    Size: Type.Number(),
    Attachments: Type.Integer(),
    Snippet: Type.String(),
    Username: Type.String(),
    Envelope: Type.Object({ MailFrom: Type.String(), RcptTo: Type.Array(Type.String()) }),
    Client: Type.Object({ Address: Type.String(), Helo: Type.String(), TLS: Type.Boolean() }),
    ParseError: Type.Optional(Type.String()),
  },
  { $id: 'MessageSummary' },
);

export const MessagesSummary = Type.Object(
  {
    total: Type.Integer({ description: 'Messages in the mailbox' }),
    unread: Type.Integer({ description: 'Unread messages in the mailbox' }),
    count: Type.Integer({ description: 'Messages in this page' }),
    messages_count: Type.Integer({ description: 'Messages matching the query' }),
    messages_unread: Type.Integer({ description: 'Unread messages matching the query' }),
    start: Type.Integer(),
    tags: Type.Array(Type.String()),
    messages: Type.Array(Type.Ref('MessageSummary')),
  },
  { $id: 'MessagesSummary' },
);

export const IdList = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100000 });

export const Paging = {
  start: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Pagination offset' })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 50, description: 'Limit number of results' })),
};

export const InboxQuery = {
  inbox: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Mailcove: only this inbox (the SMTP AUTH username, the X-Mailcove-Inbox header, or "default")' })),
};

export const SearchQuery = {
  query: Type.String({ description: 'Search query (Mailpit search syntax, plus inbox:NAME)' }),
  tz: Type.Optional(Type.String({ description: 'Timezone identifier used for before: and after:' })),
};

/** The query of a route whose ID may be "latest". */
export const LatestQuery = Type.Object({
  query: Type.Optional(Type.String({ description: 'With ID "latest": the newest message matching this search' })),
  tz: Type.Optional(Type.String()),
});

export const LATEST_ID_DESCRIPTION = 'ID may be "latest", optionally with ?query= for the newest message matching a search.';

export const IdParam = Type.Object({ ID: Type.String({ description: 'Message ID or "latest"', maxLength: 64 }) });

export const OkText = Type.String({ description: 'Plain text "ok"' });

export const sharedSchemas = [ErrorBody, Address, MessageSummary, MessagesSummary];

/** An on/off query parameter, as Mailpit's clients send them. */
export const flag = (description: string) => Type.Optional(Type.Unsafe<'true' | 'false' | '1' | '0'>({ type: 'string', enum: ['true', 'false', '1', '0'], description, default: 'false' }));

export function isOn(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}
