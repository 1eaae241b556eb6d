// Wires the parts together: one store, the doors that feed and read it (SMTP, HTTP, POP3), and the live event hub.
import { Checks } from './checks/service.ts';
import type { Config } from './config.ts';
import { EventHub } from './events/hub.ts';
import { RuntimeStats } from './events/runtime-stats.ts';
import { startHttp, type HttpListener } from './http/http-server.ts';
import { summarise } from './mail/summarise.ts';
import { credentialsFor } from './pop3/login.ts';
import { startPop3, type Pop3Listener } from './pop3/pop3-server.ts';
import { startSmtp, type SmtpListener } from './smtp/smtp-listener.ts';
import { DiskStore } from './store/disk-store.ts';
import { loadTlsIdentity } from './tls/certificate.ts';
import { VERSION } from './paths.ts';
import { InboxAuth } from './auth/inbox-auth.ts';
import { Webhooks, type WebhookOptions } from './webhooks/webhooks.ts';
import { Metrics } from './metrics/metrics.ts';
import { markDataDirInUse } from './store/data-lock.ts';
import { Relay } from './relay/relay.ts';
import { Chaos } from './smtp/chaos.ts';
import { smtpFaults } from './smtp/chaos-smtp.ts';
import { RateLimit } from './smtp/rate-limit.ts';

export interface RunningApp {
  config: Config;
  store: DiskStore;
  hub: EventHub;
  /** The quality checks (tests count their computations). */
  checks: Checks;
  smtp: SmtpListener;
  pop3: Pop3Listener;
  http: HttpListener;
  stop(): Promise<void>;
}

export interface AppOptions {
  log?: (line: string) => void;
  /** Test hook: smaller segments exercise rolling and compaction. */
  segmentSize?: number;
  /** Test hook: short webhook retry delays, no jitter. */
  webhookRetry?: WebhookOptions['retry'];
}

const DAY_MS = 86_400_000;

export async function startApp(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const log = options.log ?? ((line: string) => console.log(`mailcove: ${line}`));
  let ready = false;
  const inboxAuth = new InboxAuth(config.inboxUsers);
  const store = new DiskStore({
    dir: config.dataDir,
    summarise,
    maxMessages: config.maxMessages,
    maxAgeMs: config.maxAgeMs,
    segmentSize: options.segmentSize,
    log,
  });
  const hub = new EventHub(store, VERSION);
  const stats = new RuntimeStats(store);
  const relay = config.smtpRelayConfig ? new Relay(config.smtpRelayConfig, config.smtpRelayMatching) : null;
  const chaos = new Chaos(config.enableChaos || config.chaosRules !== null, config.chaosRules ?? []);
  const webhooks = new Webhooks(store, { targets: config.webhooks, secret: config.webhookSecret, version: VERSION, log, retry: options.webhookRetry });
  const metrics = new Metrics(() => webhooks.counters());
  const checks = new Checks(store, { ...config, version: VERSION });
  const releaseDataDir = markDataDirInUse(config.dataDir);
  // HTTP comes up first so /livez answers while a large store is being reconciled.
  const http = await startHttp(config.http, { config, store, inboxAuth, hub, stats, metrics, relay, chaos, checks, version: VERSION, isReady: () => ready });
  try {
    await store.open();
    const tls = await loadTlsIdentity({ certFile: config.smtpTlsCert, keyFile: config.smtpTlsKey, dataDir: config.dataDir });
    const smtp = await startSmtp({
      listen: config.smtp,
      store,
      tls,
      implicitTls: config.smtpRequireTls,
      maxMessageSize: config.maxMessageSize,
      users: config.smtpUsers,
      inboxAuth,
      faults: smtpFaults(chaos, config.smtpRateLimit ? new RateLimit(config.smtpRateLimit) : null),
      observer: {
        accepted: (size, latencySeconds) => {
          stats.accepted(size);
          metrics.ingestLatency.observe(latencySeconds);
        },
        rejected: (ip, reason) => {
          stats.rejected();
          hub.clientError('smtpd', ip, reason);
        },
        clientError: (ip, message) => hub.clientError('smtpd', ip, message),
        stored: relay?.autoRelaying
          ? (summary, raw) =>
              relay.relayArrived(summary, raw, (message) => {
                log(message);
                hub.clientError('smtpd', summary.Client.Address, message);
              })
          : undefined,
      },
    });
    const pop3 = await startPop3({
      listen: config.pop3,
      store,
      tls,
      implicitTls: config.pop3RequireTls,
      keep: config.pop3Keep,
      maxConnections: config.pop3MaxConnections,
      credentials: credentialsFor(inboxAuth),
      expireDays: config.maxAgeMs === null ? null : Math.floor(config.maxAgeMs / DAY_MS),
      version: VERSION,
      clientError: (ip, message) => hub.clientError('pop3', ip, message),
    }).catch(async (err: Error) => {
      await smtp.close();
      throw err;
    });
    ready = true;
    return {
      config,
      store,
      hub,
      checks,
      smtp,
      pop3,
      http,
      async stop() {
        ready = false;
        await smtp.close();
        relay?.close();
        await pop3.close();
        await http.close();
        hub.close();
        await webhooks.close();
        await store.close();
        releaseDataDir();
      },
    };
  } catch (err) {
    await http.close();
    relay?.close();
    hub.close();
    await webhooks.close();
    await store.close().catch(() => {});
    releaseDataDir();
    throw err;
  }
}
