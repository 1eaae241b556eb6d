// Which messages the retention limits remove. Pure, so every store backend prunes the same way.

export interface RetentionLimits {
  /** 0 means no limit. */
  maxMessages: number;
  /** null means no age limit. */
  maxAgeMs: number | null;
}

/**
 * `messages` is in arrival order, oldest first; returns how many of the oldest to prune. Only the prefix that
 * goes is looked at, so this stays cheap when it runs after every add to a full store.
 */
export function countToPrune(messages: { length: number; created(index: number): string }, limits: RetentionLimits, now: Date): number {
  let cut = 0;
  if (limits.maxMessages > 0 && messages.length > limits.maxMessages) cut = messages.length - limits.maxMessages;
  if (limits.maxAgeMs) {
    const oldest = now.getTime() - limits.maxAgeMs;
    while (cut < messages.length && Date.parse(messages.created(cut)) < oldest) cut++;
  }
  return cut;
}
