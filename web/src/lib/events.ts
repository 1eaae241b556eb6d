// The live websocket (/api/events). Reconnects with capped, jittered backoff; after a reconnect the caller is told
// so it can reload what it may have missed while disconnected.
import type { LiveEvent } from './types.ts';

export type ConnectionState = 'connecting' | 'live' | 'offline';

export interface EventHandlers {
  event(event: LiveEvent): void;
  state(state: ConnectionState): void;
  /** The socket came back after a drop: events may have been missed. */
  reconnected(): void;
}

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

export function connectEvents(handlers: EventHandlers): { close(): void } {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`;
  let socket: WebSocket | null = null;
  let delay = MIN_DELAY_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let everOpened = false;
  let closed = false;

  const open = (): void => {
    handlers.state('connecting');
    socket = new WebSocket(url);
    socket.onopen = () => {
      delay = MIN_DELAY_MS;
      handlers.state('live');
      if (everOpened) handlers.reconnected();
      everOpened = true;
    };
    socket.onmessage = (message) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(String(message.data)) as LiveEvent;
      } catch {
        return;
      }
      handlers.event(event);
    };
    socket.onclose = () => {
      socket = null;
      if (closed) return;
      handlers.state('offline');
      timer = setTimeout(open, delay * (0.75 + Math.random() / 2));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
  };

  // A laptop waking up or a tab coming back to the foreground should not wait out a long backoff.
  const retryNow = (): void => {
    if (socket || closed || document.visibilityState !== 'visible') return;
    clearTimeout(timer);
    delay = MIN_DELAY_MS;
    open();
  };
  addEventListener('online', retryNow);
  document.addEventListener('visibilitychange', retryNow);
  open();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      removeEventListener('online', retryNow);
      document.removeEventListener('visibilitychange', retryNow);
      socket?.close();
    },
  };
}
