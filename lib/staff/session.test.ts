import { beforeAll, describe, expect, it } from "vitest";

/**
 * Staff roles come from exact Auth0 role names, and a listed admin email counts only
 * when Auth0 has verified it (roleOf, as currentStaff applies it to a session).
 */

let roleOf: typeof import("./session").roleOf;

beforeAll(async () => {
  Object.assign(process.env, {
    AUTH0_DOMAIN: "tenant.example.com",
    AUTH0_TOKEN_SECRET: "a-test-token-secret-of-some-length",
    PORTAL_URL: "https://verify.example.com",
    IDME_CLIENT_ID: "c",
    IDME_CLIENT_SECRET: "s",
    ENCRYPTION_KEY: "ab".repeat(32),
    STAFF_ADMIN_EMAILS: "First.Admin@Example.test, other@example.test",
  });
  ({ roleOf } = await import("./session"));
});

describe("staff roles", () => {
  it("idv-admin and idv-support grant admin and support; admin wins", () => {
    expect(roleOf(["idv-admin"], null, false)).toBe("admin");
    expect(roleOf(["idv-support"], null, false)).toBe("support");
    expect(roleOf(["idv-support", "idv-admin"], null, false)).toBe("admin");
    expect(roleOf(["billing", "idv-support"], "s@example.test", true)).toBe("support");
  });

  it("plain or look-alike role names grant nothing", () => {
    for (const role of ["admin", "support", "Admin", "IDV-ADMIN", "idv-admin ", " idv-support", "idv_admin", "toString", "__proto__"]) {
      expect(roleOf([role], null, false), role).toBeNull();
    }
    expect(roleOf([], null, false)).toBeNull();
  });

  it("a listed admin email makes an admin only when Auth0 verified it", () => {
    expect(roleOf([], "first.admin@example.test", true)).toBe("admin");
    expect(roleOf([], "FIRST.ADMIN@EXAMPLE.TEST", true)).toBe("admin");
    expect(roleOf([], "first.admin@example.test", false)).toBeNull();
    expect(roleOf(["idv-support"], "first.admin@example.test", false)).toBe("support");
    expect(roleOf([], "not-listed@example.test", true)).toBeNull();
  });
});
