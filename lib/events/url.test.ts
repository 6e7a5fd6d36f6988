import { describe, expect, it } from "vitest";
import { PrivateDestinationError, addressKind, assertPublicDestination, privateDestinationsRefused, systemLookup, urlProblem } from "./url";

/**
 * Where events may go: http(s) only, no credentials in the URL, https only in production; and in
 * production never to this machine or a private network unless WEBHOOKS_ALLOW_PRIVATE=true, both
 * as typed (literal addresses, localhost) and as resolved at delivery (a name pointing inside).
 */
describe("webhook endpoint URLs", () => {
  it("refuses what is not http(s), or carries a user name or password", () => {
    for (const bad of ["ftp://hooks.example.com/x", "file:///etc/passwd", "javascript:alert(1)", "hooks.example.com/x", ""])
      expect(urlProblem(bad, false), bad).not.toBeNull();
    expect(urlProblem("https://user:pw@hooks.example.com/x", false)).toMatch(/passwords/);
  });

  it("in a local demo plain http is allowed; in production only https", () => {
    expect(urlProblem("http://127.0.0.1:4031/hooks/demo", false)).toBeNull();
    expect(urlProblem("http://127.0.0.1:4031/hooks/demo", true)).toMatch(/https:\/\/ URLs only/);
    expect(urlProblem("https://hooks.example.com/idv", true)).toBeNull();
  });

  const refused = [
    "https://localhost/x",
    "https://LOCALHOST./x",
    "https://hooks.localhost:8443/x",
    "https://127.0.0.1/x",
    "https://127.8.9.10/x",
    "https://0x7f.1/x", // the URL parser reads it as 127.0.0.1
    "https://2130706433/x", // and this
    "https://0.0.0.0/x",
    "https://10.1.2.3/x",
    "https://172.16.0.1/x",
    "https://172.31.255.254/x",
    "https://192.168.0.10/x",
    "https://100.64.0.1/x",
    "https://169.254.169.254/latest/meta-data", // a cloud's metadata service
    "https://224.0.0.1/x",
    "https://[::1]/x",
    "https://[::]/x",
    "https://[fe80::1]/x",
    "https://[fc00::1]/x",
    "https://[fd12:3456:789a::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://[::ffff:10.0.0.1]/x",
    "https://[0:0:0:0:0:ffff:a9fe:a9fe]/x",
    "https://[::127.0.0.1]/x",
    "https://[64:ff9b::192.168.1.1]/x",
    "https://[2002:c0a8:101::1]/x",
    "https://[ff02::1]/x",
  ];
  const allowed = [
    "https://hooks.example.com/x",
    "https://8.8.8.8/x",
    "https://172.32.0.1/x",
    "https://192.169.0.1/x",
    "https://100.128.0.1/x",
    "https://[2606:4700:4700::1111]/x",
    "https://[::ffff:8.8.8.8]/x",
    "https://localhost.example.com/x",
  ];

  it("with the private rule on, refuses localhost and every literal loopback, private, link-local or unique-local address, saying how to allow it", () => {
    for (const url of refused) {
      const problem = urlProblem(url, true, { refusePrivate: true });
      expect(problem, url).toMatch(/^Events do not go to .+ in production: use the receiver's public address/);
      expect(problem, url).toContain("WEBHOOKS_ALLOW_PRIVATE=true");
    }
    for (const url of allowed) expect(urlProblem(url, true, { refusePrivate: true }), url).toBeNull();
    // Without the rule (development, or the opt-out) the same addresses pass.
    for (const url of refused) expect(urlProblem(url, true), url).toBeNull();
  });

  it("names the kind of address refused", () => {
    expect(addressKind("127.0.0.1")).toBe("loopback addresses");
    expect(addressKind("::1")).toBe("loopback addresses");
    expect(addressKind("192.168.1.1")).toBe("private addresses");
    expect(addressKind("fe80::abcd")).toBe("link-local addresses");
    expect(addressKind("fd00::1")).toBe("unique-local addresses");
    expect(addressKind("::ffff:169.254.1.1")).toBe("link-local addresses");
    expect(addressKind("203.0.113.7")).toBeNull();
    expect(addressKind("hooks.example.com")).toBeNull();
    expect(addressKind("1:2:3:4:5:6:7:8:9")).toBeNull();
  });

  it("the rule holds in production unless WEBHOOKS_ALLOW_PRIVATE=true, and never in development or tests", () => {
    expect(privateDestinationsRefused({ NODE_ENV: "production", WEBHOOKS_ALLOW_PRIVATE: false })).toBe(true);
    expect(privateDestinationsRefused({ NODE_ENV: "production", WEBHOOKS_ALLOW_PRIVATE: true })).toBe(false);
    expect(privateDestinationsRefused({ NODE_ENV: "development", WEBHOOKS_ALLOW_PRIVATE: false })).toBe(false);
    expect(privateDestinationsRefused({ NODE_ENV: "test" })).toBe(false);
  });
});

describe("at delivery: the destination's addresses (DNS rebinding)", () => {
  const resolver = (answers: Record<string, string[]>) => {
    const asked: string[] = [];
    const lookup = async (host: string) => {
      asked.push(host);
      if (!answers[host]) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      return answers[host]!;
    };
    return { lookup, asked };
  };

  it("lets a name through when every address it resolves to is public", async () => {
    const { lookup } = resolver({ "hooks.example.com": ["203.0.113.7", "2001:db8::7"] });
    await expect(assertPublicDestination("https://hooks.example.com/idv", lookup)).resolves.toEqual(["203.0.113.7", "2001:db8::7"]);
  });

  it("refuses a public-looking name when any address it resolves to is private or loopback", async () => {
    const { lookup } = resolver({
      "rebind.example.com": ["203.0.113.7", "127.0.0.1"],
      "inside.example.com": ["10.0.0.8"],
      "mapped.example.com": ["::ffff:192.168.0.1"],
    });
    for (const host of ["rebind.example.com", "inside.example.com", "mapped.example.com"]) {
      const refusal = assertPublicDestination(`https://${host}/idv`, lookup);
      await expect(refusal, host).rejects.toBeInstanceOf(PrivateDestinationError);
      await expect(refusal, host).rejects.toMatchObject({
        code: "private_destination",
        message: expect.stringContaining(`${host} resolves to`),
      });
    }
  });

  it("refuses localhost and literal private addresses without asking the resolver; a literal public address needs none", async () => {
    const { lookup, asked } = resolver({});
    await expect(assertPublicDestination("http://localhost:4031/x", lookup)).rejects.toBeInstanceOf(PrivateDestinationError);
    await expect(assertPublicDestination("https://[::ffff:7f00:1]/x", lookup)).rejects.toBeInstanceOf(PrivateDestinationError);
    await expect(assertPublicDestination("https://203.0.113.9/x", lookup)).resolves.toEqual(["203.0.113.9"]);
    expect(asked).toEqual([]);
  });

  it("leaves a name that does not resolve to the request itself (it fails there)", async () => {
    const { lookup, asked } = resolver({});
    await expect(assertPublicDestination("https://nowhere.example.com./x", lookup)).resolves.toEqual([]);
    expect(asked).toEqual(["nowhere.example.com"]);
  });

  it("the default resolver is the system's: it answers every address of a name, and those of localhost are refused", async () => {
    const addresses = await systemLookup("localhost");
    expect(addresses.length).toBeGreaterThan(0);
    for (const a of addresses) expect(addressKind(a), a).toBe("loopback addresses");
  });
});
