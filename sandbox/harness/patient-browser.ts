import { TestBrowser, type RequestInit } from "./browser";
import { journeys, newState, type Journey } from "./journey";
import type { Harness } from "./index";

/**
 * A browser that does what a person does on the portal's "busy" page (503 with
 * Retry-After, lib/flow/admission.ts): waits, then sends the same request again
 * (a GET reloads itself; a form post is the same button pressed again). It
 * counts how often it was turned away. A request cut off by the server closing
 * a kept-alive connection is sent again on a new one (at most twice), as browsers do. `waitMs` replaces Retry-After's seconds
 * where a test or the benchmark cannot wait that long; `tries` bounds it.
 */
export class PatientBrowser extends TestBrowser {
  busy = 0;

  constructor(private readonly opts: { waitMs?: number; tries?: number } = {}) {
    super();
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    for (let i = 0, resets = 0; ; i++) {
      let response: Response;
      try {
        response = await super.request(url, init);
      } catch (err) {
        // A kept-alive connection the server closed as the request went out: a browser sends it again on a new one.
        const code = (err as { cause?: { code?: string } }).cause?.code;
        if (resets++ < 2 && (code === "UND_ERR_SOCKET" || code === "ECONNRESET")) continue;
        throw err;
      }
      const after = response.headers.get("retry-after");
      if (response.status !== 503 || after === null || i + 1 >= (this.opts.tries ?? 100)) return response;
      this.busy++;
      await response.arrayBuffer();
      await new Promise((r) => setTimeout(r, this.opts.waitMs ?? Number(after) * 1000));
    }
  }
}

/**
 * Whole logins (sandbox/harness/journey.ts) made with a PatientBrowser: the
 * Action's token, "Verify", a persona at the ID.me stand-in, and the way back to
 * Auth0's /continue; resolves with what Auth0 received and how often the browser was turned away.
 */
export function patientLogins(
  h: Pick<Harness, "auth0" | "auth0Token" | "idme">,
  portalUrl: string,
  opts: { waitMs?: number; tries?: number } = {},
) {
  const j = journeys(h, portalUrl);
  return async (sub: string, persona = "identity-verified", account = `acct-${sub.slice(-12)}`) => {
    const state = newState();
    const token = await h.auth0Token({ sub, state });
    const browser = new PatientBrowser(opts);
    const entry = await browser.go(`${portalUrl}/id-verification?token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`);
    const journey: Journey = { browser, state, sub, entry };
    const page = await j.verifyAs(journey, persona, account);
    const claims = await j.resumeFrom(journey, page);
    return { claims, busy: browser.busy };
  };
}
