/**
 * Waits until the bot has recorded what the fakes already saw (its own
 * bookkeeping right after a request), checking on every turn of the event loop.
 */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
