/**
 * The staff-roles Action (staff-roles.js), run through the Actions runtime emulation:
 * the user's Auth0 roles (event.authorization.roles) go into the staff application's
 * ID token under the roles claim, and nowhere else.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { loadAction, runPostLogin, type ActionModule, type RunInput } from "../../sandbox/auth0/runtime";

const FILE = path.resolve(import.meta.dirname, "staff-roles.js");
const CLAIM = "https://idv-portal/roles";

let act: ActionModule;
beforeEach(() => {
  act = loadAction(FILE);
  vi.spyOn(console, "log").mockImplementation(() => undefined);
});

function input(
  o: { clientId?: string; roles?: string[]; configuration?: Record<string, string>; secrets?: Record<string, string> } = {},
): RunInput {
  return {
    tenantDomain: "tenant.us.auth0.com",
    user: { user_id: "auth0|staff", email: "staff@example.test", app_metadata: {}, user_metadata: {} },
    client: { client_id: o.clientId ?? "idv-portal-staff", name: "Verification Portal (staff)", metadata: {} },
    secrets: o.secrets ?? {},
    configuration: o.configuration ?? { STAFF_CLIENT_ID: "idv-portal-staff" },
    canRedirect: true,
    state: "st",
    roles: o.roles ?? ["idv-admin", "billing"],
  };
}

describe("staff-roles.js", () => {
  it("is plain CommonJS with no require() of anything", () => {
    const source = readFileSync(FILE, "utf8");
    expect(source).not.toMatch(/\brequire\s*\(/);
    expect(source).toMatch(/exports\.onExecutePostLogin\s*=/);
  });

  it("puts the user's Auth0 roles under the roles claim on the staff application", async () => {
    const r = await runPostLogin(act, input());
    expect(r.error).toBeNull();
    expect(r.idTokenClaims).toEqual({ [CLAIM]: ["idv-admin", "billing"] });
    expect(r.accessTokenClaims).toEqual({});
    expect(r.appMetadata).toEqual({});
    expect(r.denied).toBeNull();
    expect(r.redirect).toBeNull();
  });

  it("a staff member without roles gets an empty list (the portal shows 'no access')", async () => {
    expect((await runPostLogin(act, input({ roles: [] }))).idTokenClaims).toEqual({ [CLAIM]: [] });
  });

  it("adds nothing on any other application", async () => {
    for (const clientId of ["sample-bank", "idv-portal-staff-2", ""]) {
      expect((await runPostLogin(act, input({ clientId }))).idTokenClaims).toEqual({});
    }
  });

  it("several staff applications may be listed; ROLES_CLAIM renames the claim; Secrets count too", async () => {
    const configuration = { STAFF_CLIENT_ID: " portal-a , idv-portal-staff ", ROLES_CLAIM: "https://example.com/roles" };
    expect((await runPostLogin(act, input({ configuration }))).idTokenClaims).toEqual({
      "https://example.com/roles": ["idv-admin", "billing"],
    });
    expect((await runPostLogin(act, input({ clientId: "portal-a", configuration }))).idTokenClaims).toHaveProperty([
      "https://example.com/roles",
    ]);
    const secrets = { STAFF_CLIENT_ID: "idv-portal-staff" };
    expect((await runPostLogin(act, input({ configuration: {}, secrets }))).idTokenClaims).toEqual({ [CLAIM]: ["idv-admin", "billing"] });
  });

  it("without STAFF_CLIENT_ID it adds nothing anywhere, and says so in the log", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect((await runPostLogin(act, input({ configuration: {} }))).idTokenClaims).toEqual({});
    expect(log.mock.calls.flat().join(" ")).toContain("STAFF_CLIENT_ID");
  });
});
