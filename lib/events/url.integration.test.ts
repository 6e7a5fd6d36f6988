import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Staff } from "../staff/session";

/**
 * In production (NODE_ENV=production, WEBHOOKS_ALLOW_PRIVATE unset) the Webhooks page refuses an
 * endpoint on this machine or a private network, with the reason next to the URL the admin
 * typed, and stores nothing; a public receiver is saved as before.
 */

const ADMIN: Staff = { id: "auth0|admin", email: "admin@example.test", name: "Admin", role: "admin" };

let db: TestDatabase;
let admin: typeof import("./admin");
let session: typeof import("../staff/session");

beforeAll(async () => {
  // A portal served over http: the https-only rule is off, so the private rule is what refuses.
  db = await openTestDatabase({ NODE_ENV: "production", PORTAL_URL: "http://portal.example.test" });
  admin = await import("./admin");
  session = await import("../staff/session");
  const { env } = await import("../env");
  expect(env().NODE_ENV).toBe("production"); // the portal's configuration, parsed once, says production
  // This process is still a test (the staff hook is refused in any other).
  Object.assign(process.env, { NODE_ENV: "test" });
  session.setStaffSourceForTests(async () => ADMIN);
});

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  await db?.close();
});

function endpointForm(id: string, url: string) {
  const f = new FormData();
  for (const [k, v] of Object.entries({ isNew: "true", enabled: "on", id, name: id, url, clientId: "", eventTypes: "attempt.failed" }))
    f.set(k, v);
  return f;
}

describe("webhook endpoints in production", () => {
  it("refuses a private or loopback destination at the URL field, and stores nothing", async () => {
    for (const [id, url] of [
      ["loopback", "http://127.0.0.1:4031/hooks/demo"],
      ["named-local", "https://localhost/hooks"],
      ["metadata", "http://169.254.169.254/latest"],
      ["mapped", "https://[::ffff:10.0.0.1]/hooks"],
    ] as const) {
      const state = await admin.saveEndpoint(null, endpointForm(id, url));
      expect(state?.ok, url).toBe(false);
      const errors = state?.ok === false ? state.error.fieldErrors?.url : undefined;
      expect(errors?.[0], url).toMatch(/^Events do not go to .+WEBHOOKS_ALLOW_PRIVATE=true/);
    }
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM webhook_endpoint`);
    expect(rows[0].n).toBe(0);
  });

  it("saves a public receiver", async () => {
    const state = await admin.saveEndpoint(null, endpointForm("public", "https://hooks.example.com/idv"));
    expect(state?.ok).toBe(true);
    const { rows } = await db.pool.query(`SELECT url FROM webhook_endpoint WHERE id = 'public'`);
    expect(rows).toEqual([{ url: "https://hooks.example.com/idv" }]);
  });

  it("at delivery, a destination that is now private is refused and not tried again; nothing reaches it", async () => {
    const seen: string[] = [];
    const receiver = createServer((req, res) => {
      seen.push(req.url ?? "");
      res.end("ok");
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      // The receiver saved above now points at this machine (its name rebound, or the row changed).
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      await db.pool.query(`UPDATE webhook_endpoint SET url = $1 WHERE id = 'public'`, [url]);
      const { getDb } = await import("../db/client");
      const { writeEvent } = await import("./emit");
      const { deliverDue } = await import("./deliver");
      const db2 = await getDb();
      const eventId = await writeEvent(db2, "attempt.failed", {
        application: null,
        auth0_user_id: "auth0|someone",
        provider: "idme",
        policy: "identity",
        source: "flow",
      });
      expect(eventId).not.toBeNull();
      const results = await deliverDue();
      expect(results.map((r) => r.outcome)).toEqual(["refused"]);
      const { rows: after } = await db.pool.query(`SELECT state, attempts FROM webhook_delivery WHERE event_id = $1`, [eventId]);
      expect(after).toEqual([{ state: "failed", attempts: 1 }]);
      expect(seen).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
