// /api/v1/info and /api/v1/webui: runtime information and UI settings, in Mailpit's shapes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { mailboxTotals } from '../../../listing.ts';
import { requestScope } from '../../../message-lookup.ts';

const AppInformation = Type.Object({
  Version: Type.String(),
  LatestVersion: Type.String({ description: 'Always empty: Mailcove never calls out to check for releases' }),
  Database: Type.String({ description: 'Data folder' }),
  DatabaseSize: Type.Number(),
  Messages: Type.Integer(),
  Unread: Type.Integer(),
  Tags: Type.Record(Type.String(), Type.Integer()),
  RuntimeStats: Type.Object({
    Uptime: Type.Integer(),
    Memory: Type.Integer(),
    MessagesDeleted: Type.Integer(),
    SMTPAccepted: Type.Integer(),
    SMTPAcceptedSize: Type.Integer(),
    SMTPRejected: Type.Integer(),
    SMTPIgnored: Type.Integer(),
    Waiting: Type.Integer({ description: 'Mailcove: wait-for requests held open right now' }),
  }),
});

const WebUIConfiguration = Type.Object({
  Label: Type.String(),
  MessageRelay: Type.Object({
    Enabled: Type.Boolean(),
    SMTPServer: Type.String(),
    ReturnPath: Type.String(),
    AllowedRecipients: Type.String(),
    BlockedRecipients: Type.String(),
    OverrideFrom: Type.String(),
    PreserveMessageIDs: Type.Boolean(),
  }),
  SpamAssassin: Type.Boolean(),
  ChaosEnabled: Type.Boolean(),
  DuplicatesIgnored: Type.Boolean(),
  HideDeleteAllButton: Type.Boolean(),
});

export const infoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, config, stats, version, relay, chaos } = app.mailcove;

  app.get('/api/v1/info', { schema: { tags: ['application'], summary: 'Runtime information and totals', response: { 200: AppInformation } } }, async (request) => {
    // An inbox login learns its own totals, not the store's.
    const { total, unread, tags } = mailboxTotals(store, requestScope(request.inboxAccess, undefined));
    return {
      Version: version,
      LatestVersion: '',
      Database: config.dataDir,
      DatabaseSize: await store.diskSize(),
      Messages: total,
      Unread: unread,
      Tags: Object.fromEntries(tags),
      RuntimeStats: stats.snapshot(),
    };
  });

  app.get('/api/v1/webui', { schema: { tags: ['application'], summary: 'Web UI settings', response: { 200: WebUIConfiguration } } }, async () => ({
    Label: config.label,
    MessageRelay: {
      Enabled: relay !== null,
      SMTPServer: relay ? relay.server : '',
      ReturnPath: relay?.config.returnPath ?? '',
      AllowedRecipients: relay?.config.allowedRecipients?.source ?? '',
      BlockedRecipients: relay?.config.blockedRecipients?.source ?? '',
      OverrideFrom: relay?.config.overrideFrom ?? '',
      PreserveMessageIDs: relay?.config.preserveMessageIds ?? false,
    },
    // Mailpit's flag for "spam scores come from a SpamAssassin spamd"; without one, sa-check uses built-in rules.
    SpamAssassin: config.spamassassin !== null,
    ChaosEnabled: chaos.enabled,
    DuplicatesIgnored: false,
    HideDeleteAllButton: false,
  }));
};
