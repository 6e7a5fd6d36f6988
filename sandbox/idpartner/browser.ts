/**
 * The person at the IDPartner stand-in (tests only): `signInAtStandin` plays them on the
 * "choose your bank" and persona pages, with the tests' browser (sandbox/harness/browser.ts).
 * No test-framework imports, so any test file can use it.
 */
import { CookieJar, browserGet, browserPost, locationOf } from "../harness/browser";

export type SignInChoice = { bank: string; persona: string; account?: string } | { action: "deny" };

export interface SignInTrace {
  /** Where the stand-in finally sent the browser: the client's redirect_uri with code or error. */
  callback: URL;
  /** The HTML of the bank page and the persona page, as shown. */
  pages: string[];
}

/**
 * Open `authUrl`, choose the bank (GET ?bank=…), then submit the persona form; follow the
 * stand-in's redirects until the browser leaves it. An error redirected straight back to
 * the client (bad scope, …) returns at once.
 */
export async function signInAtStandin(authUrl: URL, choice: SignInChoice, jar = new CookieJar()): Promise<SignInTrace> {
  const origin = authUrl.origin;
  const pages: string[] = [];
  let loc = locationOf(await browserGet(authUrl, jar), authUrl);
  if (loc.origin !== origin) return { callback: loc, pages };
  if (!loc.pathname.startsWith("/idpartner-standin/signin/")) throw new Error(`unexpected sign-in page ${loc.pathname}`);

  const bankPage = await browserGet(loc, jar);
  if (bankPage.status !== 200) throw new Error(`bank page answered HTTP ${bankPage.status}`);
  pages.push(await bankPage.text());

  let form: Record<string, string>;
  if ("action" in choice) {
    form = { action: choice.action };
  } else {
    const personaUrl = new URL(loc);
    personaUrl.searchParams.set("bank", choice.bank);
    const personaPage = await browserGet(personaUrl, jar);
    if (personaPage.status !== 200) throw new Error(`persona page answered HTTP ${personaPage.status}`);
    pages.push(await personaPage.text());
    form = { bank: choice.bank, persona: choice.persona, account: choice.account ?? "" };
  }

  loc = locationOf(await browserPost(loc, form, jar), loc);
  for (let hops = 0; loc.origin === origin; hops++) {
    if (hops >= 5) throw new Error("too many redirects inside the stand-in");
    loc = locationOf(await browserGet(loc, jar), loc);
  }
  return { callback: loc, pages };
}
