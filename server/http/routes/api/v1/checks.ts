// /api/v1/message/{ID}/html-check, /sa-check, /link-check and /auth-check: the quality checks, in Mailpit's shapes
// where Mailpit has the endpoint. Each report is computed once per message and cached (server/checks/service.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { badRequest } from '../../../context.ts';
import { resolveMessage } from '../../../message-lookup.ts';
import { flag, IdParam, isOn, LATEST_ID_DESCRIPTION, LatestQuery } from '../../../schemas.ts';

const CheckQuery = Type.Object({
  ...LatestQuery.properties,
  refresh: flag('Compute the report again instead of answering the cached one'),
});

const LinkCheckQuery = Type.Object({ ...CheckQuery.properties, follow: flag('Follow redirects and report where they end') });

const Percent = Type.Number({ minimum: 0, maximum: 100 });

const HtmlCheckResponse = Type.Object(
  {
    Warnings: Type.Array(
      Type.Object({
        Slug: Type.String(),
        Title: Type.String(),
        Description: Type.String({ description: 'HTML' }),
        URL: Type.String({ description: 'caniemail.com page' }),
        Category: Type.String({ description: 'css, html, image or others' }),
        Tags: Type.Array(Type.String()),
        Keywords: Type.String(),
        Results: Type.Array(
          Type.Object({
            Name: Type.String({ description: 'Family, platform and version, e.g. "Outlook Windows (2019)"' }),
            Platform: Type.String(),
            Family: Type.String(),
            Version: Type.String(),
            Support: Type.Union([Type.Literal('yes'), Type.Literal('no'), Type.Literal('partial')]),
            NoteNumber: Type.String({ description: 'Key into NotesByNumber for partial support' }),
          }),
        ),
        NotesByNumber: Type.Record(Type.String(), Type.String()),
        Score: Type.Object({ Found: Type.Integer({ description: 'Places in the HTML that use the feature' }), Supported: Percent, Partial: Percent, Unsupported: Percent }),
        Locations: Type.Array(Type.Object({ Line: Type.Integer(), Column: Type.Integer() }), { description: 'Mailcove: where the HTML uses the feature (1-based)' }),
      }),
    ),
    Platforms: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Platform → client families tested on it' }),
    Total: Type.Object({ Tests: Type.Integer(), Nodes: Type.Integer(), Supported: Type.Number(), Partial: Type.Number(), Unsupported: Type.Number() }),
  },
  { description: "Mailpit's HTMLCheckResponse, plus each warning's source Locations" },
);

const SpamResponse = Type.Object(
  {
    IsSpam: Type.Boolean(),
    Error: Type.String({ description: 'Why the engine could not check the message ("" when it could)' }),
    Score: Type.Number(),
    Rules: Type.Array(Type.Object({ Score: Type.Number(), Name: Type.String(), Description: Type.String() })),
    Engine: Type.Union([Type.Literal('builtin'), Type.Literal('spamassassin')], { description: 'Mailcove: which engine produced the report' }),
    Threshold: Type.Number({ description: 'Mailcove: the score from which a message is spam' }),
  },
  { description: "Mailpit's SpamAssassinResponse, plus Engine and Threshold" },
);

const LinkCheckResponse = Type.Object(
  {
    Errors: Type.Integer({ description: 'Links answering 400 or more, or not at all' }),
    Links: Type.Array(Type.Object({ URL: Type.String(), StatusCode: Type.Integer({ description: '0 when there was no HTTP answer' }), Status: Type.String() })),
  },
  { description: "Mailpit's LinkCheckResponse" },
);

const Outcome = (extra: Record<string, TSchema> = {}) => Type.Object({ Result: Type.String({ description: "mailauth's result: pass, fail, neutral, none, softfail, temperror, permerror..." }), ...extra, Info: Type.String() });

const AuthResponse = Type.Object({
  DKIM: Type.Array(Outcome({ Domain: Type.String(), Selector: Type.String() })),
  SPF: Outcome(),
  DMARC: Outcome({ Policy: Type.String({ description: 'none, quarantine or reject' }) }),
  ARC: Outcome(),
  ListUnsubscribe: Type.Object(
    {
      Header: Type.String(),
      HeaderPost: Type.String(),
      Links: Type.Array(Type.String()),
      Errors: Type.String(),
      Present: Type.Boolean(),
      OneClick: Type.Boolean({ description: 'List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)' }),
      HTTPS: Type.Boolean(),
      DKIMSigned: Type.Boolean({ description: 'Covered by a passing DKIM signature' }),
      BulkSenderReady: Type.Boolean({ description: "Meets Gmail's and Yahoo's one-click unsubscribe requirement for bulk senders" }),
      Info: Type.String(),
    },
    { description: 'List-Unsubscribe and RFC 8058 one-click support' },
  ),
});

const errors = { 400: Type.Ref('Error'), 404: Type.Ref('Error') };
const latest = `${LATEST_ID_DESCRIPTION} `;

export const checksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, checks } = app.mailcove;

  app.get(
    '/api/v1/message/:ID/html-check',
    {
      schema: {
        tags: ['checks'],
        summary: 'HTML compatibility per email client (caniemail data), scored as Mailpit scores it',
        description: `${latest}A message without HTML is a 400.`,
        params: IdParam,
        querystring: CheckQuery,
        response: { 200: HtmlCheckResponse, ...errors },
      },
    },
    async (request) => {
      const report = await checks.html(resolveMessage(store, request.params.ID, request.query), isOn(request.query.refresh));
      if (!report) throw badRequest('message does not contain HTML');
      return report;
    },
  );

  app.get(
    '/api/v1/message/:ID/sa-check',
    {
      schema: {
        tags: ['checks'],
        summary: 'Spam score: SpamAssassin with --spamassassin, else the built-in rules',
        description: `${latest}An unreachable spamd is reported in Error (and not cached).`,
        params: IdParam,
        querystring: CheckQuery,
        response: { 200: SpamResponse, ...errors },
      },
    },
    async (request) => checks.spam(resolveMessage(store, request.params.ID, request.query), isOn(request.query.refresh)),
  );

  app.get(
    '/api/v1/message/:ID/link-check',
    {
      schema: {
        tags: ['checks'],
        summary: 'HTTP status of every link and image URL (at most 100)',
        description: `${latest}Cached per message and follow value; refresh=1 checks again. Internal addresses are refused unless --allow-internal-http-requests.`,
        params: IdParam,
        querystring: LinkCheckQuery,
        response: { 200: LinkCheckResponse, ...errors },
      },
    },
    async (request) => checks.links(resolveMessage(store, request.params.ID, request.query), isOn(request.query.follow), isOn(request.query.refresh)),
  );

  app.get(
    '/api/v1/message/:ID/auth-check',
    {
      schema: {
        tags: ['checks'],
        summary: 'DKIM, SPF, DMARC and ARC (mailauth) as seen at SMTP time, and List-Unsubscribe one-click readiness',
        description: `${latest}DNS lookups go to --dns-overrides first.`,
        params: IdParam,
        querystring: CheckQuery,
        response: { 200: AuthResponse, ...errors },
      },
    },
    async (request) => checks.auth(resolveMessage(store, request.params.ID, request.query), isOn(request.query.refresh)),
  );
};
