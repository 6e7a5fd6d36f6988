import { describe, expect, it } from "vitest";
import { bucketIndex, bucketLabel, bucketTitle, parseRange, previousRange, rangeFor } from "./range";
import { SPIKE_FACTOR, SPIKE_MIN, headline, spikeOf } from "./failures";
import { fmtDuration, fmtPercent } from "./dashboard";
import { decodeKeyset as decodeKey, encodeKeyset as encodeKey } from "../db/keyset";

/** The pure parts of the insight pages: ranges and buckets, spikes, headlines, formatting, cursors. */

const NOW = new Date("2026-03-10T15:30:12.345Z");

describe("ranges", () => {
  it("24 h: 24 whole hours ending with the current one", () => {
    const r = rangeFor("24h", NOW);
    expect(r.bucket).toBe("hour");
    expect(r.buckets).toHaveLength(24);
    expect(r.from.toISOString()).toBe("2026-03-09T16:00:00.000Z");
    expect(r.to.toISOString()).toBe("2026-03-10T16:00:00.000Z");
    expect(r.buckets[0]!.toISOString()).toBe(r.from.toISOString());
    expect(r.buckets[23]!.toISOString()).toBe("2026-03-10T15:00:00.000Z");
  });

  it("7 / 30 / 90 days: whole UTC days ending today", () => {
    for (const [key, n] of [
      ["7d", 7],
      ["30d", 30],
      ["90d", 90],
    ] as const) {
      const r = rangeFor(key, NOW);
      expect(r.bucket).toBe("day");
      expect(r.buckets).toHaveLength(n);
      expect(r.to.toISOString()).toBe("2026-03-11T00:00:00.000Z");
      expect(r.buckets.at(-1)!.toISOString()).toBe("2026-03-10T00:00:00.000Z");
      expect(r.buckets.every((b, i) => i === 0 || b.getTime() - r.buckets[i - 1]!.getTime() === 86_400_000)).toBe(true);
    }
  });

  it("an unknown ?range= falls back to the page's default", () => {
    expect(parseRange("1y", "30d", NOW).key).toBe("30d");
    expect(parseRange(["7d", "24h"], "30d", NOW).key).toBe("7d");
    expect(parseRange(undefined, "24h", NOW).key).toBe("24h");
  });

  it("previous period, bucket of a time, labels", () => {
    const r = rangeFor("7d", NOW);
    const p = previousRange(r);
    expect(p.to.toISOString()).toBe(r.from.toISOString());
    expect(p.from.toISOString()).toBe("2026-02-25T00:00:00.000Z");
    expect(bucketIndex(r, new Date("2026-03-04T00:00:00.000Z"))).toBe(0);
    expect(bucketIndex(r, new Date("2026-03-10T23:59:59.999Z"))).toBe(6);
    expect(bucketIndex(r, new Date("2026-03-11T00:00:00.000Z"))).toBe(-1);
    expect(bucketLabel("hour", new Date("2026-03-10T14:00:00Z"))).toBe("14:00");
    expect(bucketLabel("day", new Date("2026-03-10T00:00:00Z"))).toBe("03-10");
    expect(bucketTitle("hour", new Date("2026-03-10T23:00:00Z"))).toBe("2026-03-10 23:00–00:00 UTC");
  });
});

describe("spikes and headlines", () => {
  it("a quiet cause that suddenly fires is a spike; a steady one is not", () => {
    expect(spikeOf([0, 0, 0, 5, 0, 1])).toMatchObject({ index: 3, count: 5 });
    expect(spikeOf([3, 3, 4, 3, 3])).toBeNull();
    expect(spikeOf([0, 0, 2, 0])).toBeNull(); // too few to call
    expect(spikeOf([])).toBeNull();
  });

  it(`the rule: at least ${SPIKE_MIN} in one bucket and more than ${SPIKE_FACTOR}× the usual rate (other buckets and the previous period)`, () => {
    // A handful is never a spike, however quiet the rest.
    expect(spikeOf([0, 0, 0, SPIKE_MIN - 1, 0, 0])).toBeNull();
    expect(spikeOf([0, 0, 0, SPIKE_MIN, 0, 0])).toMatchObject({ index: 3, count: SPIKE_MIN, baseline: 0 });
    // Usual rate: (6 others + 0 before) / (1 other bucket + 2 before) = 2 per bucket; 8 is exactly 4×, not more.
    expect(spikeOf([8, 6])).toBeNull();
    expect(spikeOf([8, 5])).toMatchObject({ index: 0, count: 8 });
    // The same burst after a busy previous period is that cause's normal: no spike.
    expect(spikeOf([0, 0, 0, 6, 0, 0])).not.toBeNull();
    expect(spikeOf([0, 0, 0, 6, 0, 0], 20)).toBeNull();
  });

  it("the first words of an explanation", () => {
    expect(
      headline("The token from Auth0 had expired: the person took more than its lifetime (10 minutes) to arrive, or a clock is wrong."),
    ).toBe("The token from Auth0 had expired: the person took…");
    expect(headline("The link from Auth0 had no token.")).toBe("The link from Auth0 had no token");
    expect(headline("Auth0 sent the person to the portal without its `state` parameter. More.")).toBe(
      "Auth0 sent the person to the portal without its…",
    );
  });
});

describe("formatting and cursors", () => {
  it("durations and percentages", () => {
    expect(fmtDuration(null)).toBe("—");
    expect(fmtDuration(42.4)).toBe("42 s");
    expect(fmtDuration(0.42)).toBe("0.4 s");
    expect(fmtDuration(0)).toBe("0 s");
    expect(fmtDuration(7.5)).toBe("7.5 s");
    expect(fmtDuration(8)).toBe("8 s");
    expect(fmtDuration(185)).toBe("3 min 05 s");
    expect(fmtDuration(3720)).toBe("1 h 02 min");
    expect(fmtPercent(null)).toBe("—");
    expect(fmtPercent(0.5)).toBe("50.0%");
    expect(fmtPercent(1)).toBe("100%");
  });

  it("keyset cursors round-trip and refuse what is not theirs", () => {
    const c = encodeKey(new Date("2026-03-10T14:10:00.000Z"), "att_1");
    expect(decodeKey(c)).toEqual({ at: new Date("2026-03-10T14:10:00.000Z"), id: "att_1" });
    expect(decodeKey("not a cursor")).toBeNull();
    expect(decodeKey(Buffer.from('["x","y"]').toString("base64url"))).toBeNull();
  });
});

describe("chart geometry", () => {
  it("nice axis maxima, ticks and label spacing", async () => {
    const { niceMax, ticks, labelEvery } = await import("./chart");
    expect(niceMax(0, 4)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(11)).toBe(20);
    expect(niceMax(23)).toBe(25);
    expect(niceMax(0.62)).toBe(1);
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ticks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(labelEvery(24, 8)).toBe(3);
    expect(labelEvery(7, 10)).toBe(1);
    expect(labelEvery(90, 10)).toBe(9);
  });
});
