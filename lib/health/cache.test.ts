import { describe, expect, it } from "vitest";
import { singleFlight } from "./cache";

/** The provider checks behind the staff health report: at most one in flight, kept 30 s. */
describe("singleFlight", () => {
  it("runs one computation for callers arriving together, and keeps its result for the ttl", async () => {
    let clock = 1_000;
    let calls = 0;
    let release!: () => void;
    const cache = singleFlight(
      () => {
        calls += 1;
        return new Promise<string>((resolve) => (release = () => resolve(`check ${calls}`)));
      },
      30_000,
      () => clock,
    );
    const together = Array.from({ length: 25 }, () => cache.get());
    release();
    const results = await Promise.all(together);
    expect(calls).toBe(1);
    expect(new Set(results.map((r) => r.value))).toEqual(new Set(["check 1"]));

    clock += 29_999;
    expect((await cache.get()).value).toBe("check 1");
    expect(calls).toBe(1);

    clock += 2;
    const next = cache.get();
    release();
    expect((await next).value).toBe("check 2");
    expect(calls).toBe(2);
  });

  it("a failed computation is not kept; the next caller tries again", async () => {
    let calls = 0;
    const cache = singleFlight(async () => {
      calls += 1;
      if (calls === 1) throw new Error("provider down");
      return "ok";
    }, 30_000);
    await expect(cache.get()).rejects.toThrow("provider down");
    expect((await cache.get()).value).toBe("ok");
  });
});
