// Gives memory back after a burst of mail. Ingest leaves the heap full of garbage (parsed MIME trees, chunk
// buffers) that V8 would collect only when its memory reducer runs, tens of seconds after the last allocation;
// until then the process holds the peak. Once mail has stopped for a moment, one full collection returns it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Collection starts once no message has arrived for this long. */
const QUIET_MS = 2_000;
const CHECK_EVERY_MS = 1_000;

export interface IdleReclaim {
  /** Call on every arriving message; costs one assignment. */
  activity(): void;
  stop(): void;
}

function exposedGc(): (() => void) | null {
  try {
    // The documented way to reach gc() without starting node with --expose-gc.
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

export function idleReclaim(): IdleReclaim {
  const gc = exposedGc();
  let last = 0;
  let pending = false;
  const timer = setInterval(() => {
    if (pending && Date.now() - last >= QUIET_MS) {
      pending = false;
      gc?.();
    }
  }, CHECK_EVERY_MS);
  timer.unref();
  return {
    activity() {
      last = Date.now();
      pending = true;
    },
    stop: () => clearInterval(timer),
  };
}
