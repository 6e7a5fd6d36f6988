import { z } from "zod";
import { env } from "@/lib/env";
import { crossSite, refused } from "@/lib/flow/http";
import { LOCALES, LOCALE_COOKIE, localeCookieOptions } from "@/lib/flow/locale";

// The language switch on the person's pages: remembered in a cookie, then back to the page it was on.
const form = z.object({
  locale: z.enum(LOCALES),
  back: z.enum(["/", "/id-verification/consent", "/id-verification/outcome"]).catch("/id-verification/outcome"),
});

export async function POST(request: Request): Promise<Response> {
  if (crossSite(request)) return refused();
  const parsed = form.safeParse(Object.fromEntries(await request.formData().catch(() => new FormData())));
  if (!parsed.success) return new Response("Choose a language.", { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  const e = env();
  const headers = new Headers({ location: `${e.PORTAL_URL}${parsed.data.back}`, "cache-control": "no-store" });
  const secure = e.PORTAL_URL.startsWith("https://");
  const o = localeCookieOptions(secure);
  headers.append(
    "set-cookie",
    `${LOCALE_COOKIE}=${parsed.data.locale}; Path=${o.path}; Max-Age=${o.maxAge}; SameSite=Lax; HttpOnly${secure ? "; Secure" : ""}`,
  );
  return new Response(null, { status: 303, headers });
}
