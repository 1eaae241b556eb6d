// Applies chaos faults and the rate limit inside smtp-server's handlers: the reply, the delay, the dropped connection.
import { clientAddress } from '../client-address.ts';
import type { Socket } from 'node:net';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { decodeWords, messageHeaders } from '../mail/message-view.ts';
import type { Chaos, Fault, SmtpStage } from './chaos.ts';
import type { RateLimit } from './rate-limit.ts';

type Callback = (err?: Error | null) => void;
export type FaultGate = (stage: SmtpStage, value: string | Buffer, session: SMTPServerSession, callback: Callback) => void;

interface ConnectionInternals {
  session: SMTPServerSession;
  _socket: Socket;
}

/** Decides the fault (or none) for one attempt at a stage; `watchesData` says whether the Subject is needed at all. */
export type SmtpFaults = ((stage: SmtpStage, value: string, client: string) => Fault | null) & { watchesData: () => boolean };

/** Rate limit first (it counts the attempt), then chaos. null when neither is configured: the listener skips it all. */
export function smtpFaults(chaos: Chaos, rateLimit: RateLimit | null): SmtpFaults | null {
  if (!chaos.enabled && !rateLimit) return null;
  const check = (stage: SmtpStage, value: string, client: string): Fault | null => {
    if (stage === 'mail' && rateLimit && !rateLimit.take(client)) {
      return { reply: { code: 421, message: `4.7.0 Rate limit of ${rateLimit.perMinute} messages per minute reached, try again later` }, delayMs: 0, disconnect: false };
    }
    return chaos.fault(stage, value);
  };
  return Object.assign(check, { watchesData: () => chaos.enabled && chaos.watches('data') });
}

/**
 * The hook each smtp-server handler calls before its normal work: `callback()` to go on, `callback(err)` to answer
 * with the fault's reply. A disconnect without a reply never calls back; the socket is simply destroyed.
 */
export function faultGate(faults: SmtpFaults | null, server: () => SMTPServer): FaultGate {
  if (!faults) return (_stage, _value, _session, callback) => callback();
  installExactReplies();
  return (stage, value, session, callback) => {
    const client = clientAddress(session.remoteAddress);
    if (Buffer.isBuffer(value)) {
      if (!faults.watchesData()) return callback();
      subjectOf(value).then((subject) => apply(faults(stage, subject, client)), () => apply(faults(stage, '', client)));
      return;
    }
    apply(faults(stage, value, client));

    function apply(fault: Fault | null): void {
      if (!fault) return callback();
      const act = (): void => {
        const socket = fault.disconnect ? socketOf(server(), session) : null;
        if (!fault.reply) {
          if (socket) return void socket.destroy();
          return callback();
        }
        callback(Object.assign(new Error(fault.reply.message), { responseCode: fault.reply.code }));
        // end() after the reply is queued: the client reads the reply, then the connection closes.
        socket?.end();
      };
      if (fault.delayMs > 0) setTimeout(act, fault.delayMs);
      else act();
    }
  };
}

async function subjectOf(raw: Buffer): Promise<string> {
  return decodeWords((await messageHeaders(raw))['Subject']?.[0] ?? '');
}

function socketOf(server: SMTPServer, session: SMTPServerSession): Socket | null {
  const connections = (server as unknown as { connections: Set<ConnectionInternals> }).connections;
  for (const connection of connections) if (connection.session === session) return connection._socket;
  return null;
}

let exactRepliesInstalled = false;

/**
 * smtp-server puts its own enhanced status code before every error message, so a rule's "451 4.7.1 Try later" would
 * go out as "451 4.3.0 4.7.1 Try later". A message that already starts with an enhanced code is sent as written.
 */
function installExactReplies(): void {
  if (exactRepliesInstalled) return;
  exactRepliesInstalled = true;
  const proto = SMTPConnection.prototype as unknown as { send(code: number, data: unknown, context?: unknown): void };
  const send = proto.send;
  proto.send = function (this: unknown, code, data, context) {
    const exact = context === undefined && typeof data === 'string' && /^[245]\.\d{1,3}\.\d{1,3}(?: |$)/.test(data);
    send.call(this, code, data, exact ? false : context);
  };
}
