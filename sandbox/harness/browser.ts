/**
 * The tests' browser: a cookie jar, requests that do not follow redirects (so
 * every hop can be inspected), and on top of them TestBrowser — a jar per
 * host, redirects followed like a browser, HTML forms read and submitted the
 * way a person's browser would. No test-framework imports: any test or
 * test helper can use it.
 */

/** The cookies of one site, as its Set-Cookie headers leave them (name → value). */
export class CookieJar extends Map<string, string> {
  /** Takes the response's Set-Cookie headers: an expired or emptied cookie is removed. */
  store(from: Response | Headers) {
    const headers = from instanceof Headers ? from : from.headers;
    for (const line of headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const i = pair.indexOf("=");
      if (i === -1) continue;
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]!) < Date.now()),
      );
      if (expired || value === "") this.delete(name);
      else this.set(name, value);
    }
  }

  /** The Cookie request header. */
  header(): string {
    return [...this].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  names(): string[] {
    return [...this.keys()];
  }
}

export interface RequestInit {
  method?: string;
  /** Sent as application/x-www-form-urlencoded (and POST unless `method` says otherwise). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** One request with the jar's cookies, not following a redirect; the answer's cookies go into the jar. */
export async function browserFetch(url: string | URL, jar: CookieJar, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header();
  if (cookie) headers.set("cookie", cookie);
  let body: string | undefined;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers.set("content-type", "application/x-www-form-urlencoded");
  }
  const response = await fetch(url, { method: init.method ?? (body ? "POST" : "GET"), headers, body, redirect: "manual" });
  jar.store(response);
  return response;
}

export const browserGet = (url: string | URL, jar: CookieJar) => browserFetch(url, jar);

export const browserPost = (url: string | URL, form: Record<string, string>, jar: CookieJar) => browserFetch(url, jar, { form });

/** Where a redirect (302 or 303) sends the browser; throws for anything else. */
export function locationOf(res: Response, base: URL): URL {
  if (![302, 303].includes(res.status)) throw new Error(`expected a redirect, got HTTP ${res.status}`);
  const loc = res.headers.get("location");
  if (!loc) throw new Error("redirect without a location");
  return new URL(loc, base);
}

export interface Hop {
  url: string;
  status: number;
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  html: string;
  hops: Hop[];
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

const decode = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&#x27;/g, "'");

export class TestBrowser {
  private jar = new Map<string, CookieJar>();

  cookies(url: string): CookieJar {
    const host = new URL(url).hostname;
    let c = this.jar.get(host);
    if (!c) this.jar.set(host, (c = new CookieJar()));
    return c;
  }

  request(url: string, init: RequestInit = {}): Promise<Response> {
    return browserFetch(url, this.cookies(url), init);
  }

  /** Requests and follows redirects (303 turns into GET), like a browser. */
  async go(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; stopAt?: (url: string) => boolean } = {},
  ): Promise<Page> {
    const hops: Hop[] = [];
    let current = url;
    let req: typeof init = init;
    for (let i = 0; i < 20; i++) {
      const response = await this.request(current, req);
      hops.push({ url: current, status: response.status });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current).toString();
        await response.arrayBuffer();
        if (init.stopAt?.(next)) return { url: next, status: response.status, headers: response.headers, html: "", hops };
        current = next;
        req = response.status === 307 || response.status === 308 ? req : {};
        continue;
      }
      return { url: current, status: response.status, headers: response.headers, html: await response.text(), hops };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits a form of the page, as pressing its button would. */
  async submit(
    page: Page,
    match: (form: Form) => boolean = () => true,
    extra: Record<string, string> = {},
    opts: { stopAt?: (url: string) => boolean } = {},
  ): Promise<Page> {
    const form = forms(page).find(match);
    if (!form) throw new Error(`no matching form on ${page.url}:\n${page.html.slice(0, 2000)}`);
    const action = new URL(form.action || page.url, page.url).toString();
    const origin = new URL(page.url).origin;
    return this.go(action, {
      method: form.method,
      form: { ...form.fields, ...extra },
      headers: { origin, "sec-fetch-site": new URL(action).origin === origin ? "same-origin" : "cross-site" },
      stopAt: opts.stopAt,
    });
  }
}

export function forms(page: Pick<Page, "html">): Form[] {
  const out: Form[] = [];
  for (const m of page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = m[1]!;
    const action = decode(/action="([^"]*)"/i.exec(attrs)?.[1] ?? "");
    const method = (/method="([^"]*)"/i.exec(attrs)?.[1] ?? "get").toUpperCase();
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const name = /name="([^"]*)"/i.exec(input[1]!)?.[1];
      if (name) fields[decode(name)] = decode(/value="([^"]*)"/i.exec(input[1]!)?.[1] ?? "");
    }
    out.push({ action, method, fields });
  }
  return out;
}

/** The page's text without tags, for assertions on what a person reads. */
export function text(page: Pick<Page, "html">): string {
  return decode(
    page.html
      .replace(/<script[\s\S]*?<\/script>/gi, " ")
      .replace(/<style[\s\S]*?<\/style>/gi, " ")
      .replace(/<[^>]+>/g, " "),
  )
    .replace(/\s+/g, " ")
    .trim();
}
