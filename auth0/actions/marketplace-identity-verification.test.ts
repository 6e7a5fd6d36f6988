/**
 * Compatibility check: the portal's tokens work with a Marketplace-style Action that
 * knows only what the Marketplace description says (token, payload { id }, status "success").
 */
import path from "node:path";
import { decodeJwt } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { signReturnToken, verifyInboundToken } from "../../lib/auth0/token";
import {
  DEFAULT_ACTION_FILE,
  loadAction,
  runContinuePostLogin,
  runPostLogin,
  type ActionModule,
  type RunInput,
} from "../../sandbox/auth0/runtime";

const FILE = path.join(path.dirname(DEFAULT_ACTION_FILE), "marketplace-identity-verification.js");
const SECRET = "marketplace-test-secret-0123456789abcdef";
const TENANT = "tenant.eu.auth0.com";
const STATE = "hKFo2SBtYXJrZXRwbGFjZS1zdGF0ZQ";
const NS = "https://id-verification/";

let act: ActionModule;
beforeEach(() => {
  act = loadAction(FILE);
});

function input(
  o: { required?: boolean; canRedirect?: boolean; stored?: Record<string, unknown>; token?: string; secrets?: Record<string, string> } = {},
): RunInput {
  return {
    tenantDomain: TENANT,
    user: { user_id: "auth0|abc", app_metadata: o.stored ? { identity_verification_service: o.stored } : {}, user_metadata: {} },
    client: { client_id: "client-1", name: "App", metadata: o.required ? { IDV_REQUIRED: "true" } : {} },
    secrets: o.secrets ?? { TOKEN_SECRET: SECRET, SERVICE_TENANT_DOMAIN: "verify.example.com", VERIFICATION_EXPIRES_IN_SECONDS: "86400" },
    configuration: {},
    canRedirect: o.canRedirect ?? true,
    state: STATE,
    ...(o.token !== undefined ? { request: { body: { token: o.token } } } : {}),
  };
}

function answer(status: string, sub = "prs_42"): Promise<string> {
  return signReturnToken(
    {
      state: STATE,
      sub,
      status,
      checkedAt: new Date(),
      extra: { ref: "IDV-1", provider: "idme", policy: "identity", groups: ["military"] },
    },
    { secret: SECRET, issuer: "https://verify.example.com" },
  );
}

describe("Marketplace-style Action with the portal's tokens", () => {
  it("redirects to /id-verification with a 10-minute token { id } the portal accepts, and reads the portal's success", async () => {
    const first = await runPostLogin(act, input({ stored: { id: "prs_42", last_successful_check: "2000-01-01T00:00:00.000Z" } }));
    const url = new URL(first.redirect!.url);
    expect(url.origin + url.pathname).toBe("https://verify.example.com/id-verification");
    expect(url.searchParams.get("state")).toBe(STATE);
    const token = url.searchParams.get("token")!;
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(claims).not.toHaveProperty("client_id");
    const inbound = await verifyInboundToken({ token, state: STATE }, { secret: SECRET, auth0Domain: TENANT });
    expect(inbound).toMatchObject({ sub: "auth0|abc", id: "prs_42" });

    const back = await runContinuePostLogin(act, input({ required: true, token: await answer("success") }));
    expect(back.error).toBeNull();
    expect(back.denied).toBeNull();
    expect(back.idTokenClaims[`${NS}status`]).toBe("valid");
    expect(back.idTokenClaims[`${NS}id`]).toBe("prs_42");
    const stored = back.appMetadata["identity_verification_service"] as Record<string, unknown>;
    expect(stored).toMatchObject({ id: "prs_42" });
    expect(back.idTokenClaims[`${NS}last-check`]).toBe(stored["last_successful_check"]);

    // Next login, even non-interactive: still valid, no redirect.
    const next = await runPostLogin(act, input({ required: true, canRedirect: false, stored }));
    expect(next.denied).toBeNull();
    expect(next.redirect).toBeNull();
    expect(next.idTokenClaims[`${NS}status`]).toBe("valid");
  });

  it("required: a portal failure, a bad token, a non-interactive flow and missing settings give the documented errors", async () => {
    for (const status of ["failed", "declined", "error"]) {
      const r = await runContinuePostLogin(act, input({ required: true, token: await answer(status) }));
      expect(r.denied).toEqual({ reason: "idv_verification_failed" });
      expect(r.appMetadata).toEqual({});
    }
    const forged = await signReturnToken(
      { state: STATE, sub: "x", status: "success", checkedAt: new Date() },
      { secret: "wrong-secret-0123456789", issuer: "https://x" },
    );
    expect((await runContinuePostLogin(act, input({ required: true, token: forged }))).denied).toEqual({
      reason: "idv_verification_failed",
    });

    expect((await runPostLogin(act, input({ required: true, canRedirect: false }))).denied).toEqual({ reason: "idv_interaction_required" });
    expect((await runPostLogin(act, input({ required: true, secrets: { TOKEN_SECRET: SECRET } }))).denied).toEqual({
      reason: "idv_configuration_error",
    });

    // Not required: the login goes on without claims.
    const optional = await runContinuePostLogin(act, input({ token: await answer("failed") }));
    expect(optional.denied).toBeNull();
    expect(optional.idTokenClaims).toEqual({});
  });
});
