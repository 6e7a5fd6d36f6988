import { afterEach, describe, expect, it, vi } from "vitest";
import { Admission } from "./admission";

/** The admission queue in front of the login steps (lib/flow/admission.ts): who runs, who waits, who is turned away. */

afterEach(() => {
  vi.useRealTimers();
});

const settle = () => new Promise((r) => setImmediate(r));

describe("Admission", () => {
  it("lets `concurrency` steps run, queues the next ones in order, and passes each freed place on", async () => {
    const a = new Admission({ concurrency: 2, queue: 10, waitMs: 60_000 });
    expect(await a.enter("new")).toBe(true);
    expect(await a.enter("new")).toBe(true);
    const order: string[] = [];
    const third = a.enter("new").then((ok) => order.push(`third ${ok}`));
    const fourth = a.enter("new").then((ok) => order.push(`fourth ${ok}`));
    await settle();
    expect(order).toEqual([]);
    expect(a.stats).toEqual({ running: 2, waiting: 2 });
    a.leave();
    await third;
    expect(order).toEqual(["third true"]);
    a.leave();
    await fourth;
    expect(order).toEqual(["third true", "fourth true"]);
    expect(a.stats).toEqual({ running: 2, waiting: 0 });
    a.leave();
    a.leave();
    expect(a.stats).toEqual({ running: 0, waiting: 0 });
  });

  it("turns a step away at once when the queue is full", async () => {
    const a = new Admission({ concurrency: 1, queue: 1, waitMs: 60_000 });
    expect(await a.enter("new")).toBe(true);
    const waiting = a.enter("step");
    expect(await a.enter("step")).toBe(false);
    expect(await a.enter("finishing")).toBe(false);
    a.leave();
    expect(await waiting).toBe(true);
  });

  it("turns a waiting step away when its wait runs out, and it no longer holds a place in the queue", async () => {
    vi.useFakeTimers();
    const a = new Admission({ concurrency: 1, queue: 5, waitMs: 1_000 });
    expect(await a.enter("new")).toBe(true);
    const waiting = a.enter("new");
    vi.advanceTimersByTime(1_001);
    expect(await waiting).toBe(false);
    expect(a.stats).toEqual({ running: 1, waiting: 0 });
    a.leave();
    expect(a.stats).toEqual({ running: 0, waiting: 0 });
  });

  it("lets a step back from the provider in first, then steps finishing a login, then other steps, then new logins", async () => {
    const a = new Admission({ concurrency: 1, queue: 10, waitMs: 60_000 });
    expect(await a.enter("new")).toBe(true);
    const order: string[] = [];
    const all = [
      a.enter("new").then(() => order.push("new")),
      a.enter("step").then(() => order.push("step")),
      a.enter("finishing").then(() => order.push("finishing")),
      a.enter("back").then(() => order.push("back")),
    ];
    for (let i = 0; i < 4; i++) {
      a.leave();
      await settle();
    }
    await Promise.all(all);
    expect(order).toEqual(["back", "finishing", "step", "new"]);
  });

  it("keeps half the queue for logins under way: new logins beyond it are turned away, their later steps still wait", async () => {
    const a = new Admission({ concurrency: 1, queue: 4, waitMs: 60_000 });
    expect(await a.enter("new")).toBe(true);
    const queued = [a.enter("new"), a.enter("new")];
    expect(await a.enter("new")).toBe(false);
    queued.push(a.enter("step"), a.enter("finishing"));
    expect(await a.enter("step")).toBe(false); // the whole queue is full now
    expect(a.stats).toEqual({ running: 1, waiting: 4 });
    for (let i = 0; i < 5; i++) a.leave();
    expect(await Promise.all(queued)).toEqual([true, true, true, true]);
  });

  it("always queues a step back from the provider, even when the queue is full (it holds the person's answer)", async () => {
    const a = new Admission({ concurrency: 1, queue: 0, waitMs: 10 });
    expect(await a.enter("new")).toBe(true);
    expect(await a.enter("new")).toBe(false);
    const back = a.enter("back");
    a.leave();
    expect(await back).toBe(true);
  });
});
