import { describe, expect, it } from "vitest";
import { clientAddress, withoutClientForwardedFor } from "./client-address";

const h = (xff?: string) => new Headers(xff === undefined ? {} : { "x-forwarded-for": xff });

describe("the client address behind 0..N trusted proxies", () => {
  it("no proxy: the header holds only what Next.js put there (the socket address)", () => {
    expect(clientAddress(h("127.0.0.1"), 0)).toBe("127.0.0.1");
    expect(clientAddress(h("::ffff:127.0.0.1"), 0)).toBe("127.0.0.1");
    expect(clientAddress(h(), 0)).toBeUndefined();
    // proxy.ts drops a client's own header when no proxy is trusted.
    expect(withoutClientForwardedFor(h("203.0.113.9"), 0).has("x-forwarded-for")).toBe(false);
    expect(withoutClientForwardedFor(h("203.0.113.9"), 1).get("x-forwarded-for")).toBe("203.0.113.9");
  });

  it("one or two proxies: the entry they appended, never what the client wrote further left", () => {
    expect(clientAddress(h("6.6.6.6, 198.51.100.7"), 1)).toBe("198.51.100.7");
    expect(clientAddress(h("6.6.6.6, 198.51.100.7, 10.0.0.2"), 2)).toBe("198.51.100.7");
    expect(clientAddress(h("2001:DB8::0:1"), 1)).toBe("2001:db8::1");
  });

  it("a chain shorter than the configured hops, or garbage, is no address", () => {
    expect(clientAddress(h("198.51.100.7"), 2)).toBeUndefined();
    expect(clientAddress(h("not-an-ip"), 1)).toBeUndefined();
  });
});
