import { randomBytes } from "node:crypto";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, browserFetch } from "../harness/browser";
import { freePort } from "../harness/portal";
import { startSampleApp, type SampleApp } from "./sample-app";
import { DEFAULT_ROLES_CLAIM, startAuth0Tenant, type Auth0Tenant } from "./tenant";
import { DEFAULT_USERS, DEMO_PASSWORD, defaultClients, SAMPLE_CLIENT_IDS, STAFF_CLIENT_ID, type TenantClient } from "./tenant-data";

/**
 * The tenant stand-in running the repo's real Action, a sample application logging in
 * through it, and a tiny fake portal that answers the Action's redirect the way the real
 * portal does (a signed token back to /continue, naming the Auth0 user). It has no status
 * endpoint (404), so the Action judges a stored check by Auth0's metadata alone, as it
 * does when the portal cannot be reached. A hand-made browser (cookie jar, manual
 * redirects) plays the user.
 */

const NS = "https://id-verification/";
const SECRET = randomBytes(24).toString("base64url");
const secretKey = new TextEncoder().encode(SECRET);

// ---------------------------------------------------------------------------
// The fake portal

interface PortalAnswer {
  status: string;
  groups?: string[];
  /** How the token goes back: an auto-submitting form (POST, the default) or a 303 (GET). */
  method?: "POST" | "GET";
  /** Change the payload after signing, so the signature no longer matches. */
  tamper?: boolean;
  /** The Auth0 user the reply names (default: the one whose token arrived). */
  forUser?: string | null;
}

interface FakePortal {
  url: string;
  answer: PortalAnswer;
  visits: number;
  /** What the Action sent, as verified by the portal. */
  lastRequest?: { sub: string; iss: string; state: string; client_id?: string };
  /** The last /continue the portal sent the browser to. */
  lastContinue?: { url: string; token: string };
  close(): Promise<void>;
}

async function startFakePortal(tenantUrl: () => string, tenantDomain: () => string): Promise<FakePortal> {
  const portal: FakePortal = {
    url: "",
    answer: { status: "success" },
    visits: 0,
    close: async () => {},
  };
  const server: Server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://portal.invalid");
      if (url.pathname === "/auth/callback") {
        // The staff client's redirect_uri; the test reads the code from the URL.
        res.writeHead(200, { "content-type": "text/plain" }).end("staff callback");
        return;
      }
      if (url.pathname !== "/id-verification") {
        res.writeHead(404).end();
        return;
      }
      portal.visits += 1;
      const token = url.searchParams.get("token") ?? "";
      const state = url.searchParams.get("state") ?? "";
      let sub: string;
      try {
        const { payload } = await jwtVerify(token, secretKey, { algorithms: ["HS256"], issuer: tenantDomain() });
        if (!payload.sub || !state) throw new Error("sub and state are required");
        sub = payload.sub;
        portal.lastRequest = { sub, iss: String(payload.iss), state, client_id: payload.client_id as string | undefined };
      } catch (err) {
        res.writeHead(400, { "content-type": "text/plain" }).end(`bad token: ${(err as Error).message}`);
        return;
      }
      const a = portal.answer;
      const now = Math.floor(Date.now() / 1000);
      const forUser = a.forUser === null ? {} : { auth0_user_id: a.forUser ?? sub };
      let back = await new SignJWT({ state, status: a.status, groups: a.groups ?? [], provider: "idme", policy: "identity", ...forUser })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject("idv_x")
        .setIssuer(portal.url)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(secretKey);
      if (a.tamper) {
        const [h, , s] = back.split(".");
        const forged = Buffer.from(JSON.stringify({ state, status: "success", sub: "idv_forged", iat: now, exp: now + 300 })).toString(
          "base64url",
        );
        back = `${h}.${forged}.${s}`;
      }
      const continueUrl = `${tenantUrl()}/continue?state=${encodeURIComponent(state)}`;
      portal.lastContinue = { url: continueUrl, token: back };
      if (a.method === "GET") {
        res.writeHead(303, { location: `${continueUrl}&token=${encodeURIComponent(back)}` }).end();
        return;
      }
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(
          `<!doctype html><form method="post" action="${continueUrl}"><input type="hidden" name="token" value="${back}">` +
            `<button type="submit">Continue</button></form><script>document.forms[0].submit()</script>`,
        );
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  portal.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  portal.close = () => new Promise((resolve) => server.close(() => resolve()));
  return portal;
}

// ---------------------------------------------------------------------------
// A tiny browser: cookie jar + manual redirects

interface Page {
  url: string;
  status: number;
  location: string | null;
  html: string;
}

class Browser {
  private readonly cookies = new CookieJar();
  readonly visits: string[] = [];

  async get(url: string): Promise<Page> {
    return this.request(url, { method: "GET" });
  }

  async post(url: string, form: Record<string, string>): Promise<Page> {
    return this.request(url, { method: "POST", form });
  }

  /** Follows redirects (as GETs) until a page that is not a redirect. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let hops = 0; current.location !== null; hops++) {
      if (hops > 15) throw new Error("too many redirects");
      current = await this.get(new URL(current.location, current.url).href);
    }
    return current;
  }

  private async request(url: string, init: { method: string; form?: Record<string, string> }): Promise<Page> {
    this.visits.push(url);
    const res = await browserFetch(url, this.cookies, init);
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    return { url, status: res.status, location, html: await res.text() };
  }
}

function unescapeHtml(s: string): string {
  return s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, "&");
}

/** Text of the element with this data-testid, or undefined. */
function testId(html: string, id: string): string | undefined {
  const escaped = id.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`data-testid="${escaped}"[^>]*>([^<]*)<`).exec(html);
  return m?.[1] === undefined ? undefined : unescapeHtml(m[1]).trim();
}

const claim = (html: string, name: string) => testId(html, `claim-${name}`);

// ---------------------------------------------------------------------------
// Setup

let tenant: Auth0Tenant;
let sample: SampleApp;
let portal: FakePortal;
let clients: TenantClient[];

beforeAll(async () => {
  let tenantUrl = "";
  let tenantDomain = "";
  portal = await startFakePortal(
    () => tenantUrl,
    () => tenantDomain,
  );
  // The tenant must know the sample app's redirect URI, and the sample app the tenant's URL.
  const samplePort = await freePort();
  clients = defaultClients({ sampleAppUrl: `http://localhost:${samplePort}`, portalUrl: portal.url });
  tenant = await startAuth0Tenant({
    port: 0,
    secrets: { TOKEN_SECRET: SECRET },
    configuration: { PORTAL_DOMAIN: portal.url, VERIFICATION_EXPIRES_IN_SECONDS: "86400" },
    clients,
    users: [...DEFAULT_USERS, { user_id: "auth0|erin", email: "erin@example.test", name: "Erin Example", password: DEMO_PASSWORD }],
  });
  tenantUrl = tenant.url;
  tenantDomain = tenant.domain;
  const sampleIds = new Set<string>(SAMPLE_CLIENT_IDS);
  sample = await startSampleApp({
    port: samplePort,
    tenantUrl: tenant.url,
    clients: clients.filter((c) => sampleIds.has(c.client_id)),
  });
});

afterAll(async () => {
  await sample?.close();
  await tenant?.close();
  await portal?.close();
});

interface LoginResult {
  /** The sample app's result page (or the sign-in page, if the password was refused). */
  page: Page;
  visitedPortal: boolean;
  browser: Browser;
}

/** Log in to one sample application as one user, answering the portal as `portal.answer` says. */
async function loginViaSampleApp(clientId: string, userId: string, opts: { password?: string } = {}): Promise<LoginResult> {
  const browser = new Browser();
  const home = await browser.get(`${sample.url}/`);
  expect(home.html).toContain(`data-testid="login-${clientId}"`);

  const signIn = await browser.follow(await browser.post(`${sample.url}/login`, { client_id: clientId }));
  expect(signIn.url).toMatch(new RegExp(`^${tenant.url}/u/login/`));
  expect(signIn.html).toContain("Auth0 tenant (local stand-in)");
  expect(signIn.html).toContain(`value="${DEMO_PASSWORD}"`); // pre-filled

  const submitted = await browser.post(signIn.url, { user_id: userId, password: opts.password ?? DEMO_PASSWORD });
  let page = await browser.follow(submitted);
  if (page.url.startsWith(portal.url) && page.status === 200) {
    // The portal's auto-submitting form back to the tenant's /continue.
    const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1];
    const token = /name="token" value="([^"]+)"/.exec(page.html)?.[1];
    expect(action && token).toBeTruthy();
    page = await browser.follow(await browser.post(unescapeHtml(action as string), { token: token as string }));
  }
  return { page, visitedPortal: browser.visits.some((u) => u.startsWith(`${portal.url}/id-verification`)), browser };
}

/** An authorization by hand (no sample app), ending at the client's redirect_uri. */
async function loginByHand(client: TenantClient, userId: string): Promise<{ callback: URL; browser: Browser }> {
  const browser = new Browser();
  const authorize = new URL("/authorize", tenant.url);
  authorize.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0] as string,
    response_type: "code",
    scope: "openid profile email offline_access",
    state: "s-123",
    nonce: "n-123",
  }).toString();
  const signIn = await browser.follow(await browser.get(authorize.href));
  expect(signIn.url).toMatch(/\/u\/login\//);
  let page = await browser.post(signIn.url, { user_id: userId, password: DEMO_PASSWORD });
  // Follow the tenant's (and the portal's GET) redirects, stopping at the client's redirect_uri.
  const redirectUri = client.redirect_uris[0] as string;
  for (let hops = 0; page.location !== null; hops++) {
    expect(hops).toBeLessThan(15);
    const next = new URL(page.location, page.url);
    if (next.href.startsWith(redirectUri)) return { callback: next, browser };
    page = await browser.get(next.href);
  }
  throw new Error(`the login did not come back to the client (ended at ${page.url} with ${page.status})`);
}

async function tokenRequest(client: TenantClient, form: Record<string, string>, auth: "basic" | "post") {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  const body = new URLSearchParams(form);
  if (auth === "basic") {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString("base64")}`;
  } else {
    body.set("client_id", client.client_id);
    body.set("client_secret", client.client_secret);
  }
  const res = await fetch(`${tenant.url}/oauth/token`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const clientById = (id: string) => {
  const c = clients.find((x) => x.client_id === id);
  if (!c) throw new Error(`no client ${id}`);
  return c;
};

/** Makes the user's stored verification `ageSeconds` old. */
function ageVerification(userId: string, ageSeconds: number) {
  const meta = tenant.appMetadata(userId);
  const record = meta.id_verification as Record<string, unknown>;
  expect(record).toBeTruthy();
  tenant.setAppMetadata(userId, {
    ...meta,
    id_verification: { ...record, lastSuccessfulCheck: new Date(Date.now() - ageSeconds * 1000).toISOString() },
  });
}

// ---------------------------------------------------------------------------

describe("the tenant stand-in's OpenID configuration", () => {
  it("has Auth0's issuer (trailing slash) and paths, and signs ID tokens with RS256", async () => {
    const res = await fetch(`${tenant.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown>;
    expect(tenant.issuer).toBe(`${tenant.url}/`);
    expect(d.issuer).toBe(tenant.issuer);
    expect(d.authorization_endpoint).toBe(`${tenant.url}/authorize`);
    expect(d.token_endpoint).toBe(`${tenant.url}/oauth/token`);
    expect(d.userinfo_endpoint).toBe(`${tenant.url}/userinfo`);
    expect(d.jwks_uri).toBe(`${tenant.url}/.well-known/jwks.json`);
    expect(d.end_session_endpoint).toBe(`${tenant.url}/oidc/logout`);
    expect(d.id_token_signing_alg_values_supported).toContain("RS256");
    expect(d.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_basic", "client_secret_post"]));
    expect(d.claims_supported).toEqual(expect.arrayContaining([`${NS}status`, `${NS}last-check`, `${NS}id`, DEFAULT_ROLES_CLAIM]));
  });

  it("maps Auth0's /v2/logout onto the end-session endpoint", async () => {
    const returnTo = `${sample.url}/`;
    const res = await fetch(`${tenant.url}/v2/logout?client_id=sample-app&returnTo=${encodeURIComponent(returnTo)}`, {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get("location") as string, tenant.url);
    expect(loc.pathname).toBe("/oidc/logout");
    expect(loc.searchParams.get("post_logout_redirect_uri")).toBe(returnTo);
  });
});

describe("the sign-in page", () => {
  it("refuses a wrong password with a message on the page", async () => {
    const { page, visitedPortal } = await loginViaSampleApp("sample-app", "auth0|alice", { password: "not-the-password" });
    expect(page.status).toBe(401);
    expect(page.url).toMatch(/\/u\/login\//);
    expect(testId(page.html, "signin-error")).toBe("Wrong email or password.");
    expect(visitedPortal).toBe(false);
  });
});

describe("logins through the Action", () => {
  it("a verified login gives the application the verification claims and stores the result", async () => {
    portal.answer = { status: "success" };
    const { page, visitedPortal } = await loginViaSampleApp("sample-app", "auth0|alice");
    expect(visitedPortal).toBe(true);
    // What the Action sent to the portal.
    expect(portal.lastRequest).toMatchObject({ sub: "auth0|alice", iss: tenant.domain, client_id: "sample-app" });

    expect(testId(page.html, "result-status")).toBe("signed-in");
    expect(testId(page.html, "signed-in-as")).toContain("alice@example.test");
    expect(claim(page.html, `${NS}status`)).toBe("valid");
    expect(claim(page.html, `${NS}id`)).toBe("idv_x");
    const lastCheck = claim(page.html, `${NS}last-check`) ?? "";
    expect(Math.abs(Date.parse(lastCheck) - Date.now())).toBeLessThan(60_000);
    expect(claim(page.html, "sub")).toBe("auth0|alice");
    expect(claim(page.html, DEFAULT_ROLES_CLAIM)).toBeUndefined();
    expect(page.html).toContain('data-testid="refresh"');

    const stored = tenant.appMetadata("auth0|alice").id_verification as Record<string, unknown>;
    expect(stored).toMatchObject({ id: "idv_x", lastSuccessfulCheck: lastCheck });
  });

  it("a second login inside the interval does not go to the portal", async () => {
    const visits = portal.visits;
    const { page, visitedPortal } = await loginViaSampleApp("sample-bank", "auth0|alice");
    expect(visitedPortal).toBe(false);
    expect(portal.visits).toBe(visits);
    expect(testId(page.html, "result-status")).toBe("signed-in");
    expect(claim(page.html, `${NS}status`)).toBe("valid");
    expect(claim(page.html, `${NS}id`)).toBe("idv_x");
  });

  it("an application requiring verification refuses the login when the portal answers failed (GET /continue)", async () => {
    portal.answer = { status: "failed", method: "GET" };
    const { page, visitedPortal } = await loginViaSampleApp("sample-bank", "auth0|bob");
    expect(visitedPortal).toBe(true);
    expect(testId(page.html, "result-status")).toBe("error");
    expect(testId(page.html, "error")).toBe("access_denied");
    expect(testId(page.html, "error-description")).toBe("idv_verification_failed");
    expect(page.html).toContain('data-testid="try-again"');
    expect(tenant.appMetadata("auth0|bob").id_verification).toBeUndefined();
  });

  it("a tampered token on /continue is refused", async () => {
    portal.answer = { status: "success", tamper: true };
    const { page } = await loginViaSampleApp("sample-bank", "auth0|dan");
    expect(testId(page.html, "result-status")).toBe("error");
    expect(testId(page.html, "error-description")).toBe("idv_verification_failed");
    expect(tenant.appMetadata("auth0|dan").id_verification).toBeUndefined();
  });

  it("a login cannot be continued twice, nor with an unknown state", async () => {
    portal.answer = { status: "success" };
    const { page } = await loginViaSampleApp("sample-app", "auth0|dan");
    expect(testId(page.html, "result-status")).toBe("signed-in");
    const used = portal.lastContinue;
    expect(used).toBeTruthy();

    const replay = await fetch(used!.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: used!.token }),
      redirect: "manual",
    });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("This login cannot be continued");

    const unknown = await fetch(`${tenant.url}/continue?state=not-a-state&token=x`, { redirect: "manual" });
    expect(unknown.status).toBe(400);
  });

  it("an application with IDV_GROUP only accepts a verification with that group", async () => {
    portal.answer = { status: "success", groups: [] };
    const without = await loginViaSampleApp("sample-veterans", "auth0|carol");
    expect(testId(without.page.html, "result-status")).toBe("error");
    expect(testId(without.page.html, "error-description")).toBe("idv_verification_failed");

    portal.answer = { status: "success", groups: ["military"] };
    const withGroup = await loginViaSampleApp("sample-veterans", "auth0|carol");
    expect(withGroup.visitedPortal).toBe(true);
    expect(testId(withGroup.page.html, "result-status")).toBe("signed-in");
    expect(claim(withGroup.page.html, `${NS}status`)).toBe("valid");
  });
});

describe("refresh-token exchanges", () => {
  it("run the Action again: an expired verification on an application that requires it is refused (403)", async () => {
    portal.answer = { status: "success" };
    const { page, browser } = await loginViaSampleApp("sample-bank", "auth0|carol");
    expect(testId(page.html, "result-status")).toBe("signed-in");

    const fresh = await browser.post(`${sample.url}/refresh`, {});
    expect(testId(fresh.html, "result-status")).toBe("signed-in");
    expect(claim(fresh.html, `${NS}status`)).toBe("valid");

    ageVerification("auth0|carol", 2 * 86_400);
    const refused = await browser.post(`${sample.url}/refresh`, {});
    expect(testId(refused.html, "result-status")).toBe("error");
    expect(testId(refused.html, "error")).toBe("access_denied");
    expect(testId(refused.html, "error-description")).toBe("idv_interaction_required");
    expect(testId(refused.html, "http-status")).toBe("403");
  });

  it("answer exactly Auth0's 403 JSON at the token endpoint (client_secret_basic and _post)", async () => {
    portal.answer = { status: "success", method: "GET" };
    const bank = clientById("sample-bank");
    const { callback } = await loginByHand(bank, "auth0|bob");
    const code = callback.searchParams.get("code");
    expect(code, callback.search).toBeTruthy();
    const tokens = await tokenRequest(
      bank,
      { grant_type: "authorization_code", code: code as string, redirect_uri: bank.redirect_uris[0] as string },
      "post",
    );
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.refresh_token).toBe("string");
    expect(decodeJwt(tokens.body.id_token as string)[`${NS}status`]).toBe("valid");

    ageVerification("auth0|bob", 2 * 86_400);
    const refused = await tokenRequest(bank, { grant_type: "refresh_token", refresh_token: tokens.body.refresh_token as string }, "basic");
    expect(refused).toEqual({ status: 403, body: { error: "access_denied", error_description: "idv_interaction_required" } });
  });

  it("on an application without the requirement, an expired verification gives status skipped", async () => {
    portal.answer = { status: "success" };
    const { page, browser } = await loginViaSampleApp("sample-app", "auth0|dan");
    expect(claim(page.html, `${NS}status`)).toBe("valid");
    ageVerification("auth0|dan", 2 * 86_400);
    const refreshed = await browser.post(`${sample.url}/refresh`, {});
    expect(testId(refreshed.html, "result-status")).toBe("signed-in");
    expect(claim(refreshed.html, `${NS}status`)).toBe("skipped");
  });
});

describe("the staff application", () => {
  it("the verification Action skips it (IDV_SKIP); the staff-roles Action puts the user's roles in a signed ID token", async () => {
    const staff = clientById(STAFF_CLIENT_ID);
    expect(staff.redirect_uris[0]).toBe(`${portal.url}/auth/callback`);
    expect(staff.metadata).toEqual({ IDV_SKIP: "true" });
    const visits = portal.visits;
    const { callback, browser } = await loginByHand(staff, "auth0|admin");
    expect(portal.visits).toBe(visits);
    expect(browser.visits.some((u) => u.includes("/id-verification"))).toBe(false);

    const tokens = await tokenRequest(
      staff,
      {
        grant_type: "authorization_code",
        code: callback.searchParams.get("code") as string,
        redirect_uri: staff.redirect_uris[0] as string,
      },
      "basic",
    );
    expect(tokens.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${tenant.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(tokens.body.id_token as string, jwks, {
      issuer: tenant.issuer,
      audience: STAFF_CLIENT_ID,
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sub).toBe("auth0|admin");
    expect(payload.email).toBe("admin@example.test");
    expect(payload.email_verified).toBe(true);
    expect(payload[DEFAULT_ROLES_CLAIM]).toEqual(["idv-admin"]);
    expect(Object.keys(payload).filter((k) => k.startsWith(NS))).toEqual([]);
    expect(tenant.appMetadata("auth0|admin")).toEqual({});

    // Refreshing a staff login runs the Login flow again: the roles come back, still no verification.
    const refreshed = await tokenRequest(
      staff,
      { grant_type: "refresh_token", refresh_token: tokens.body.refresh_token as string },
      "post",
    );
    expect(refreshed.status).toBe(200);
    const again = decodeJwt(refreshed.body.id_token as string);
    expect(again[DEFAULT_ROLES_CLAIM]).toEqual(["idv-admin"]);
    expect(Object.keys(again).filter((k) => k.startsWith(NS))).toEqual([]);
  });

  it("a staff user signing in to another application gets no roles claim", async () => {
    portal.answer = { status: "success" };
    const { page } = await loginViaSampleApp("sample-app", "auth0|support");
    expect(testId(page.html, "result-status")).toBe("signed-in");
    expect(claim(page.html, DEFAULT_ROLES_CLAIM)).toBeUndefined();
    expect(claim(page.html, `${NS}status`)).toBe("valid");
  });
});

describe("replies that are not for this login's user", () => {
  it("a reply naming another Auth0 user, or none, is refused: idv_verification_failed, nothing stored", async () => {
    for (const forUser of ["auth0|alice", null]) {
      portal.answer = { status: "success", forUser };
      const { page, visitedPortal } = await loginViaSampleApp("sample-bank", "auth0|erin");
      expect(visitedPortal).toBe(true);
      expect(testId(page.html, "error-description")).toBe("idv_verification_failed");
      expect(tenant.appMetadata("auth0|erin").id_verification).toBeUndefined();
    }
  });
});
