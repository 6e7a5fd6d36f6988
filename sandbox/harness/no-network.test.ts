import { spawnSync } from "node:child_process";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { isLocalHost, takeNetworkViolations } from "./no-network";

/**
 * The guard of vitest.config.ts (setupFiles): a test that connects outside localhost fails,
 * even when it swallows the network error. Each case here takes its refusals back with
 * takeNetworkViolations(), so it can look at them without failing itself.
 */

describe("the no-network guard", () => {
  it("refuses fetch to another host before any request, and names it", async () => {
    await expect(fetch("https://verify.example.com/api/verification/status")).rejects.toThrow(/outside localhost/);
    expect(takeNetworkViolations()).toEqual(["verify.example.com"]);
  });

  it("refuses node:net, node:http and node:https connections to public addresses", async () => {
    const refusedSync = (fn: () => unknown) => {
      try {
        fn();
        return false;
      } catch (err) {
        return /outside localhost/.test((err as Error).message);
      }
    };
    expect(refusedSync(() => net.connect(443, "203.0.113.7"))).toBe(true);
    expect(refusedSync(() => http.get("http://198.51.100.1/"))).toBe(true);
    expect(refusedSync(() => https.get({ host: "api.id.me", port: 443, path: "/" }))).toBe(true);
    expect(takeNetworkViolations()).toEqual(["203.0.113.7:443", "198.51.100.1:80", "api.id.me:443"]);
  });

  it("lets loopback connections through", async () => {
    const server = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("ok");
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe("ok");
    } finally {
      server.close();
    }
    expect(takeNetworkViolations()).toEqual([]);
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", "app.localhost"]) {
      expect(isLocalHost(host), host).toBe(true);
    }
    for (const host of ["example.com", "10.0.0.1", "192.168.1.1", "::ffff:8.8.8.8", "2001:db8::1", "localhost.example.com"]) {
      expect(isLocalHost(host), host).toBe(false);
    }
  });

  it("fails a test that swallowed its network error (a child Vitest run of a fixture)", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const run = spawnSync(
      path.join(root, "node_modules/.bin/vitest"),
      ["run", "--config", "sandbox/harness/no-network-fixture/vitest.config.ts", "--reporter=json"],
      { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 },
    );
    expect(run.status).not.toBe(0);
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as {
      numPassedTests: number;
      numFailedTests: number;
      testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    };
    const results = report.testResults.flatMap((f) => f.assertionResults);
    const byTitle = Object.fromEntries(results.map((r) => [r.title, r]));
    expect(byTitle["swallows a failed fetch to the internet"]?.status).toBe("failed");
    expect(byTitle["swallows a failed fetch to the internet"]?.failureMessages.join(" ")).toContain("verify.example.com");
    expect(byTitle["swallows a failed node:https request"]?.status).toBe("failed");
    expect(byTitle["swallows a failed node:https request"]?.failureMessages.join(" ")).toContain("203.0.113.7:443");
    expect(byTitle["talks to a server on 127.0.0.1"]?.status).toBe("passed");
    expect(report).toMatchObject({ numPassedTests: 1, numFailedTests: 2 });
  });
});
