// Which messages the retention limits remove. Pure, so every store backend prunes the same way.
import type { MessageSummary } from './types.ts';

export interface RetentionLimits {
  /** 0 means no limit. */
  maxMessages: number;
  /** null means no age limit. */
  maxAgeMs: number | null;
}

/** `messages` is in arrival order, oldest first; returns the IDs to prune. */
export function messagesToPrune(messages: readonly MessageSummary[], limits: RetentionLimits, now: Date): string[] {
  let cut = 0;
  if (limits.maxMessages > 0 && messages.length > limits.maxMessages) cut = messages.length - limits.maxMessages;
  if (limits.maxAgeMs) {
    const oldest = now.getTime() - limits.maxAgeMs;
    while (cut < messages.length && Date.parse(messages[cut]!.Created) < oldest) cut++;
  }
  return messages.slice(0, cut).map((m) => m.ID);
}
