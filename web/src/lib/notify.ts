// Optional desktop notifications for new mail, only while the tab is not being looked at. Bursts (a test suite
// sending 200 messages) become one notification rather than 200.
import { senderName, subjectText } from './format.ts';
import type { MessageSummary } from './types.ts';

const GATHER_MS = 800;

/** Browsers offer notifications only to secure contexts (https, or http on localhost). */
export const notificationsAvailable = typeof Notification !== 'undefined' && globalThis.isSecureContext;

function notificationsAllowed(): boolean {
  return notificationsAvailable && Notification.permission === 'granted';
}

export async function askForNotifications(): Promise<boolean> {
  if (!notificationsAvailable) return false;
  return (await Notification.requestPermission()) === 'granted';
}

let pending: MessageSummary[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

export function notifyNewMail(message: MessageSummary, open: (id: string) => void): void {
  if (!notificationsAllowed() || (document.visibilityState === 'visible' && document.hasFocus())) return;
  pending.push(message);
  timer ??= setTimeout(() => {
    timer = undefined;
    const batch = pending;
    pending = [];
    const latest = batch[batch.length - 1]!;
    const title = batch.length === 1 ? subjectText(latest.Subject) : `${batch.length} new messages`;
    const body = batch.length === 1 ? `From ${senderName(latest.From)}` : `Latest: ${subjectText(latest.Subject)}`;
    const notification = new Notification(title, { body, tag: 'mailcove-new-mail', icon: '/favicon.svg' });
    notification.onclick = () => {
      window.focus();
      open(latest.ID);
      notification.close();
    };
  }, GATHER_MS);
}
