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

/**
 * The person at IDPartner's account selector (stand-in): picks `bank`; returns where the
 * selector sends the browser (the application's origin URL with iss, visitor_id, idp_id, idpartner_token).
 */
export async function chooseBankAtSelector(selectorUrl: URL, bank: string, jar = new CookieJar()): Promise<URL> {
  const page = await browserGet(selectorUrl, jar);
  if (page.status !== 200) throw new Error(`account selector answered HTTP ${page.status}`);
  const form: Record<string, string> = { bank };
  for (const k of ["client_id", "visitor_id", "scope", "claims"]) form[k] = selectorUrl.searchParams.get(k) ?? "";
  return locationOf(await browserPost(new URL(selectorUrl.pathname, selectorUrl), form, jar), selectorUrl);
}

/** The person at a stand-in bank: from the request_uri URL, signs in as `persona`; where the bank finally sends the browser. */
export async function signInAtBank(
  authUrl: URL,
  choice: { persona: string; account?: string } | { action: "deny" },
  jar = new CookieJar(),
): Promise<URL> {
  const origin = authUrl.origin;
  let loc = await redirectOf(await browserGet(authUrl, jar), authUrl);
  if (loc.origin !== origin) return loc;
  const form: Record<string, string> =
    "action" in choice ? { action: choice.action } : { persona: choice.persona, account: choice.account ?? "" };
  loc = await redirectOf(await browserPost(loc, form, jar), loc);
  for (let hops = 0; loc.origin === origin; hops++) {
    if (hops >= 5) throw new Error("too many redirects inside the bank");
    loc = await redirectOf(await browserGet(loc, jar), loc);
  }
  return loc;
}

/** The redirect, or an error that says what the bank's page said instead. */
async function redirectOf(res: Response, base: URL): Promise<URL> {
  if ([302, 303].includes(res.status)) return locationOf(res, base);
  const words = (await res.text())
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");
  throw new Error(`the bank answered HTTP ${res.status}: ${words.slice(0, 400)}`);
}
