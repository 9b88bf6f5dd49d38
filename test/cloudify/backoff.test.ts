import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../../components/cloudify/client/backoff";

/** Retry backoff: full jitter over a window that doubles each round up to the cap. */
const TUNING = { baseDelayMs: 100, maxDelayMs: 1_000 };
const always = (value: number) => () => value;
/** A fixed sequence of "random" draws, so the jitter is observable. */
const sequence = (values: readonly number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

describe("backoffDelayMs", () => {
  it("the window doubles each round from baseDelayMs until it reaches maxDelayMs, then stays there", () => {
    const windows = [1, 2, 3, 4, 5, 6, 20, 2_000].map((round) => backoffDelayMs(round, TUNING, always(1)));
    expect(windows).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000]);
  });

  it("jitter spans the whole window: from 0 to the window, proportionally to the draw", () => {
    expect(backoffDelayMs(3, TUNING, always(0))).toBe(0);
    expect(backoffDelayMs(3, TUNING, always(0.25))).toBe(100);
    expect(backoffDelayMs(3, TUNING, always(0.5))).toBe(200);
    expect(backoffDelayMs(9, TUNING, always(0.5))).toBe(500);
  });

  it("different draws give different delays for the same round, each within [0, window]", () => {
    const random = sequence([0.1, 0.9, 0.5, 0.3]);
    const delays = Array.from({ length: 4 }, () => backoffDelayMs(4, TUNING, random));
    expect(delays).toEqual([80, 720, 400, 240]);
  });

  it("with the default random source, delays vary and stay within the window", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelayMs(2, TUNING));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(200);
    }
    // 200 uniform draws over 201 integer values: a constant result would mean no jitter.
    expect(new Set(delays).size).toBeGreaterThan(50);
    const capped = Array.from({ length: 200 }, () => backoffDelayMs(50, TUNING));
    expect(Math.max(...capped)).toBeLessThanOrEqual(1_000);
    expect(Math.max(...capped)).toBeGreaterThan(500);
  });
});
