// Open wait-for requests against ingest: 200 `GET /api/v1/wait` calls held open (each on its own keep-alive
// connection, as 200 CI jobs would) must not slow the 10-connection workload measurably. One Mailcove process,
// runs alternating with and without the waits, medians compared.
import http from 'node:http';
import { startServer } from './children.ts';
import { runLoad } from './smtp-load.ts';
import { median, round } from './stats.ts';
import { WORKLOADS, warmUp } from './workloads.ts';

export const OPEN_WAITS = 200;
const REPS = 3;
const WARM_UPS = 3;

export interface WaitsFigures {
  openWaits: number;
  withoutMsgsPerSec: number;
  withMsgsPerSec: number;
  /** Median over the repetitions of with / without, each pair run back to back (so drift cancels). */
  ratio: number;
  /** with / without for each back-to-back pair, in run order. */
  pairRatios: number[];
  runs: Array<{ waits: boolean; msgsPerSec: number }>;
}

function openWaits(port: number, n: number): { agent: http.Agent; requests: http.ClientRequest[] } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const requests = Array.from({ length: n }, (_, i) => {
    const req = http.get({ host: '127.0.0.1', port, agent, path: `/api/v1/wait?query=${encodeURIComponent(`subject:"never sent ${i}"`)}&timeout=300` });
    req.on('error', () => {});
    return req;
  });
  return { agent, requests };
}

async function waitingCount(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/info`);
  return ((await res.json()) as { RuntimeStats: { Waiting: number } }).RuntimeStats.Waiting;
}

export async function runWaitsBench(dataDir: string): Promise<WaitsFigures> {
  const w = WORKLOADS.find((x) => x.id === 'conc10')!;
  const server = await startServer('mailcove', ['--data', dataDir, '--max-messages', '0']);
  const runs: WaitsFigures['runs'] = [];
  try {
    const { smtpPort, httpPort } = server.ready;
    // This process keeps getting faster for its first few thousand messages (JIT); warm it well past that.
    for (let i = 0; i < WARM_UPS; i++) await runLoad({ ...warmUp(w), port: smtpPort, tag: `waits-warm-${i}-${process.pid}` });
    for (let rep = 0; rep < REPS; rep++) {
      for (const waits of rep % 2 ? [true, false] : [false, true]) {
        await server.reset();
        const open = waits ? openWaits(httpPort!, OPEN_WAITS) : null;
        if (open) {
          for (let i = 0; i < 200 && (await waitingCount(httpPort!)) < OPEN_WAITS; i++) await new Promise((r) => setTimeout(r, 10));
          const held = await waitingCount(httpPort!);
          if (held < OPEN_WAITS) throw new Error(`only ${held} of ${OPEN_WAITS} waits are open`);
        }
        const r = await runLoad({ ...w, port: smtpPort, tag: `waits-${rep}-${waits}-${process.pid}` });
        runs.push({ waits, msgsPerSec: round((r.acked / r.elapsedMs) * 1000) });
        if (open) {
          for (const req of open.requests) req.destroy();
          open.agent.destroy();
        }
        console.log(`  ${waits ? `${OPEN_WAITS} waits open` : 'no waits     '}: ${runs.at(-1)!.msgsPerSec} msgs/s`);
      }
    }
  } finally {
    await server.stop().catch(() => server.kill());
  }
  const withoutMsgsPerSec = median(runs.filter((r) => !r.waits).map((r) => r.msgsPerSec));
  const withMsgsPerSec = median(runs.filter((r) => r.waits).map((r) => r.msgsPerSec));
  const pairRatios = Array.from({ length: REPS }, (_, rep) => {
    const pair = runs.slice(rep * 2, rep * 2 + 2);
    return pair.find((r) => r.waits)!.msgsPerSec / pair.find((r) => !r.waits)!.msgsPerSec;
  });
  return { openWaits: OPEN_WAITS, withoutMsgsPerSec, withMsgsPerSec, ratio: round(median(pairRatios), 3), pairRatios: pairRatios.map((r) => round(r, 2)), runs };
}
