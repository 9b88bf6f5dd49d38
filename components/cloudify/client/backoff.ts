import type { ClientTuning } from "./connection";

/** Delay before retry round `round` (1-based): full jitter over an exponentially growing, capped window. */
export function backoffDelayMs(round: number, tuning: Pick<ClientTuning, "baseDelayMs" | "maxDelayMs">, random = Math.random): number {
  const window = Math.min(tuning.maxDelayMs, tuning.baseDelayMs * 2 ** (round - 1));
  return Math.round(random() * window);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` every `intervalMs` until it returns a value (not undefined) or `timeoutMs` passes.
 * `describe` explains what was awaited, for the timeout error.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: { intervalMs: number; timeoutMs: number; describe: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${(options.timeoutMs / 1000).toFixed(1)} s waiting for ${options.describe()}`);
    await sleep(Math.min(options.intervalMs, Math.max(0, deadline - Date.now())));
  }
}
