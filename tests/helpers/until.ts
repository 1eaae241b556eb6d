// Polling for something that happens in the background (a webhook delivery, a relayed message, an age prune).

/** Resolves with the probe's first value that is neither undefined nor false; throws after `ms`. */
export async function until<T>(probe: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
