// Waiting in the end-to-end runner: for a condition, polled, with a deadline.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first truthy value of `predicate`; throws after `timeoutMs`. */
export async function waitFor(what, predicate, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(100);
  }
}
