import { TestBrowser, forms, text, type Page } from "./browser";
import type { Stack } from "../stack";

/**
 * Whole logins over HTTP through the stack (sandbox/stack.ts): the sample application,
 * the tenant stand-in running the repo's Actions, the portal and the provider
 * stand-ins, played by a TestBrowser. For integration tests.
 */

/** The text of the element with this data-testid (the sample app's result page), or undefined. */
export function testId(page: Pick<Page, "html">, id: string): string | undefined {
  const escaped = id.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`data-testid="${escaped}"[^>]*>([^<]*)<`).exec(page.html);
  return m?.[1] === undefined ? undefined : text({ html: m[1] });
}

/** The sample application's verdict on a page: signed in (with the status claim), an error, or elsewhere. */
export function appResult(page: Page): { result: "signed-in" | "error" | "elsewhere"; status?: string; error?: string } {
  const result = testId(page, "result-status");
  if (result === "signed-in") return { result, status: testId(page, "claim-https://id-verification/status") };
  if (result === "error") return { result, error: testId(page, "error-description") };
  return { result: "elsewhere" };
}

/** Logs in to one sample application as one user; stops where `stopAt` says, or on the first page that is not a redirect. */
export async function logIn(
  stack: Stack,
  b: TestBrowser,
  clientId: string,
  userId: string,
  opts: { stopAt?: (url: string) => boolean } = {},
): Promise<Page> {
  const home = await b.go(stack.sampleUrl);
  const signIn = await b.submit(home, (f) => f.fields.client_id === clientId);
  if (!text(signIn).includes("Auth0 tenant (local stand-in)")) throw new Error(`no sign-in page: ${text(signIn).slice(0, 300)}`);
  return b.submit(signIn, (f) => "password" in f.fields, { user_id: userId }, opts);
}

/** Where the Action sends the browser: the portal's entry URL with the Action's token and Auth0's state. */
export const atPortalEntry = (stack: Stack) => (url: string) => url.startsWith(`${stack.portalUrl}/id-verification?`);

/** From the portal's consent page through the ID.me stand-in (a persona, an ID.me account) back to the portal. */
export async function verifyAtIdme(b: TestBrowser, consent: Page, persona: string, account: string): Promise<Page> {
  const idme = await b.submit(consent, (f) => f.action.endsWith("/id-verification/start"));
  if (!idme.url.includes("/idme-standin/")) throw new Error(`not at the ID.me stand-in: ${idme.url} ${text(idme).slice(0, 300)}`);
  return b.submit(idme, () => true, { persona, account });
}

/**
 * From the consent page through IDPartner (stand-in): its account selector (choose `bank`),
 * the portal's /id-verification/bank step, then the bank's sign-in (a persona, an account)
 * back to the portal.
 */
export async function verifyAtBank(
  b: TestBrowser,
  consent: Page,
  persona: string,
  account: string,
  bank = "sample-credit-union",
): Promise<Page> {
  const selector = await b.submit(consent, (f) => f.action.endsWith("/id-verification/start"));
  if (!text(selector).includes("IDPartner account selector (local stand-in)"))
    throw new Error(`not at the IDPartner stand-in: ${selector.url}`);
  const atBank = await b.submit(selector, () => true, { bank });
  if (!text(atBank).includes("Sign in at")) throw new Error(`not at the bank: ${atBank.url} ${text(atBank).slice(0, 300)}`);
  return b.submit(atBank, (f) => f.method === "POST", { persona, account });
}

/** Submits the portal's continue form (the auto-POST to the tenant's /continue) and follows to the application. */
export async function backToAuth0(b: TestBrowser, page: Page): Promise<Page> {
  if (!forms(page).some((f) => f.action.includes("/continue?state="))) {
    throw new Error(`no continue form on ${page.url}: ${text(page).slice(0, 400)}`);
  }
  return b.submit(page, (f) => f.action.includes("/continue?state="));
}

/** The portal's continue form on a page: where it posts and the token it carries. */
export function continueForm(page: Page): { action: string; token: string } | undefined {
  const f = forms(page).find((x) => x.action.includes("/continue?state="));
  return f ? { action: f.action, token: f.fields.token ?? "" } : undefined;
}
