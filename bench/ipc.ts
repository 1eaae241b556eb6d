// The little protocol between the bench (parent) and a server child: the child announces it is ready, then answers
// numbered requests. The child side lives here too so both server entry points behave the same way.
import type { OpenReport } from '../server/store/disk-store.ts';

export interface ReadyMessage {
  type: 'ready';
  smtpPort: number;
  /** Mailcove: the REST API and websocket port; the baseline serves no HTTP. */
  httpPort: number | null;
  /** Time spent inside startApp (or the baseline's listen), measured by the child. */
  startMs: number;
  /** Messages held at start-up. */
  count: number;
  lastOpen: OpenReport | null;
}

export interface Request {
  type: 'count' | 'memory' | 'reset' | 'stop';
  id: number;
}

export interface Reply {
  type: 'reply';
  id: number;
  /** count, reset: messages held afterwards; stop: how long the stop took (ms). */
  value: number;
  /** memory: the child's own view, to tell V8 heap from buffers when RSS is high. */
  memory?: NodeJS.MemoryUsage;
  error?: string;
}

export interface ChildHandlers {
  /** Messages held (a promise where the server must first finish indexing what it acknowledged). */
  count(): number | Promise<number>;
  /** Forgets every message, so a measured run starts from an empty store after a warm-up. */
  reset(): Promise<void>;
  /** Stops listening and flushes; the child exits after replying. */
  stop(): Promise<void>;
}

function send(message: ReadyMessage | Reply): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

/** Child side: report readiness and serve the parent's requests until told to stop. */
export async function serveParent(ready: Omit<ReadyMessage, 'type'>, handlers: ChildHandlers): Promise<void> {
  if (!process.send) throw new Error('this file is started by bench/run.ts with an IPC channel');
  // If the bench dies, its servers must not linger.
  process.on('disconnect', () => process.exit(1));
  process.on('message', (raw) => {
    const req = raw as Request;
    if (req.type === 'count') {
      void Promise.resolve(handlers.count()).then((value) => send({ type: 'reply', id: req.id, value }));
    } else if (req.type === 'memory') {
      void send({ type: 'reply', id: req.id, value: 0, memory: process.memoryUsage() });
    } else if (req.type === 'reset') {
      handlers.reset().then(
        async () => send({ type: 'reply', id: req.id, value: await handlers.count() }),
        (err: Error) => send({ type: 'reply', id: req.id, value: NaN, error: err.message }),
      );
    } else if (req.type === 'stop') {
      const started = performance.now();
      handlers.stop().then(
        () => send({ type: 'reply', id: req.id, value: performance.now() - started }),
        (err: Error) => send({ type: 'reply', id: req.id, value: NaN, error: err.message }),
      ).finally(() => process.exit(0));
    }
  });
  await send({ type: 'ready', ...ready });
}
