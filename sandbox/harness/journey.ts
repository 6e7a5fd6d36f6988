import { randomBytes } from "node:crypto";
import type { JWTPayload } from "jose";
import { TestBrowser, forms, text, type Page } from "./browser";
import type { Harness } from "./index";

/**
 * Whole logins over HTTP, step by step, for integration tests: arrive at the
 * portal with an Auth0 token, press "Verify", choose a persona (and an ID.me
 * account) at the stand-in, and resume at Auth0's /continue. Safe to run many
 * at once: each journey has its own browser and finds its own /continue by
 * its Auth0 state.
 */

export interface Journey {
  browser: TestBrowser;
  state: string;
  sub: string;
  entry: Page;
}

export const newUser = () => `auth0|${randomBytes(6).toString("hex")}`;
export const newState = () => randomBytes(12).toString("base64url");
export const refOn = (page: Page) => /IDV-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text(page))?.[0];

export function journeys(h: Pick<Harness, "auth0" | "auth0Token" | "idme">, portalUrl: string) {
  async function arrive(opts: { sub?: string; clientId?: string; state?: string } = {}): Promise<Journey> {
    const sub = opts.sub ?? newUser();
    const state = opts.state ?? newState();
    // The state claim ties the token to this login (as the contract allows), and makes two logins of one user in the same second two tokens.
    const token = await h.auth0Token({ sub, state, ...(opts.clientId ? { client_id: opts.clientId } : {}) });
    const browser = new TestBrowser();
    const entry = await browser.go(`${portalUrl}/id-verification?token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`);
    return { browser, state, sub, entry };
  }

  /** "Verify with ID.me", then the persona as the given ID.me account; stops at the portal's callback (not followed). */
  async function toCallback(j: Journey, persona: string, account: string): Promise<string> {
    const atProvider = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/start"));
    if (!atProvider.url.includes("/idme-standin/signin/"))
      throw new Error(`not at the ID.me stand-in: ${atProvider.url}\n${text(atProvider)}`);
    const stop = await j.browser.submit(
      atProvider,
      () => true,
      { persona, account },
      { stopAt: (u) => u.includes("/id-verification/callback") },
    );
    return stop.url;
  }

  /** The whole trip to ID.me and back; stops where the portal answers (a continue form, or the outcome page). */
  async function verifyAs(j: Journey, persona: string, account: string): Promise<Page> {
    const callback = await toCallback(j, persona, account);
    return j.browser.go(callback, { stopAt: (u) => u.startsWith(h.auth0.url) });
  }

  /** The continue form on the page, submitted to the Auth0 receiver; the claims Auth0 got for this journey's state. */
  async function resumeFrom(j: Journey, page: Page): Promise<JWTPayload> {
    let from = page;
    let form = forms(from).find((f) => f.action.startsWith(`${h.auth0.url}/continue`));
    if (!form) {
      // The outcome page: its button resumes the login with the failure status.
      const resume = forms(from).find((f) => f.action === "/id-verification/resume");
      if (!resume) throw new Error(`no way back to Auth0 on ${page.url}: ${text(page)}`);
      from = await j.browser.submit(from, (f) => f.action === resume.action);
      form = forms(from).find((f) => f.action.startsWith(`${h.auth0.url}/continue`));
    }
    if (!form) throw new Error(`no continue form on ${from.url}: ${text(from)}`);
    if (new URL(form.action).searchParams.get("state") !== j.state) throw new Error("the continue form is for another Auth0 state");
    const action = form.action;
    await j.browser.submit(from, (f) => f.action === action);
    const got = [...h.auth0.received].reverse().find((r) => r.state === j.state);
    if (!got?.claims) throw new Error(`Auth0 did not accept the return: ${got?.error ?? "nothing received"}`);
    return got.claims;
  }

  return { arrive, toCallback, verifyAs, resumeFrom };
}
