// A SPAMC/1.5 client for SpamAssassin's spamd (--spamassassin HOST:PORT): one REPORT request per message, which
// answers the score, the threshold and the table of rules that hit.
// Protocol: https://svn.apache.org/repos/asf/spamassassin/trunk/spamd/PROTOCOL
import { connect } from 'node:net';
import { roundScore, type SpamReport, type SpamRuleHit } from './spam-rules.ts';

export interface SpamdAddress {
  host: string;
  port: number;
}

/** Mailpit's spamd timeout. */
const SPAMD_TIMEOUT_MS = 8000;

/** Checks the message with spamd; rejects when spamd cannot be reached, times out or answers an error. */
export async function spamassassinCheck(raw: Buffer, address: SpamdAddress, timeoutMs = SPAMD_TIMEOUT_MS): Promise<SpamReport> {
  const response = await report(raw, address, timeoutMs);
  return parseReport(response);
}

/** Sends one REPORT request and resolves with spamd's whole answer (spamd closes the connection after it). */
function report(raw: Buffer, { host, port }: SpamdAddress, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`spamd at ${host}:${port} did not answer within ${timeoutMs} ms`)));
    socket.on('error', (err) => fail(new Error(`spamd at ${host}:${port}: ${err.message}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('connect', () => {
      // spamd reads exactly Content-length bytes; ending our side tells it the request is complete.
      socket.end(Buffer.concat([Buffer.from(`REPORT SPAMC/1.5\r\nContent-length: ${raw.length}\r\n\r\n`), raw]));
    });
  });
}

/**
 * spamd's REPORT answer:
 *   SPAMD/1.1 0 EX_OK
 *   Spam: True ; 1000.0 / 5.0
 *
 *   ...Content analysis details:   (1000.0 points, 5.0 required)
 *    pts rule name              description
 *   ---- ---------------------- ------------------------------
 *   1000 GTUBE                  BODY: Generic Test for Unsolicited Bulk Email
 * Long descriptions continue on lines indented to the description column.
 */
export function parseReport(response: string): SpamReport {
  const [head = '', ...rest] = response.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  const status = /^SPAMD\/[\d.]+\s+(\d+)\s+(.*)$/m.exec(head);
  if (!status) throw new Error(`spamd answered something other than SPAMD/1.x: ${JSON.stringify(response.slice(0, 80))}`);
  if (status[1] !== '0') throw new Error(`spamd: ${status[1]} ${status[2]!.trim()}`);
  const verdict = /^Spam:\s*(\w+)\s*;\s*(-?[\d.]+)\s*\/\s*(-?[\d.]+)/im.exec(head);
  if (!verdict) throw new Error('spamd answered without a Spam: header');

  const rules: SpamRuleHit[] = [];
  const table = body.split(/\r?\n/);
  const start = table.findIndex((line) => /^-{3,}\s+-{3,}/.test(line));
  for (const line of start < 0 ? [] : table.slice(start + 1)) {
    const row = /^\s*(-?\d+(?:\.\d+)?)\s+([A-Za-z0-9_]+)\s+(.*)$/.exec(line);
    if (row) rules.push({ Score: roundScore(Number(row[1])), Name: row[2]!, Description: row[3]!.trim() });
    else if (/^\s{10,}\S/.test(line) && rules.length) rules[rules.length - 1]!.Description += ` ${line.trim()}`;
    else if (line.trim() === '') break;
  }
  return {
    IsSpam: /^(true|yes)$/i.test(verdict[1]!),
    Error: '',
    Score: roundScore(Number(verdict[2])),
    Rules: rules,
    Engine: 'spamassassin',
    Threshold: Number(verdict[3]),
  };
}
