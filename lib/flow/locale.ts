import { cookies, headers } from "next/headers";
import en from "../../messages/en.json";
import es from "../../messages/es.json";

/**
 * The person's language on the portal's pages: the switch on the page (a cookie),
 * else Auth0's ui_locales as the Action passed them (kept in the same cookie by the
 * first step), else the browser's Accept-Language, else English. Staff pages stay
 * English and never read this.
 */

export const LOCALES = ["en", "es"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";
export const LOCALE_COOKIE = "idv_locale";

export const MESSAGES: Record<Locale, typeof en> = { en, es };

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The first supported language of a list such as Auth0's ui_locales ("es-MX en") or
 * Accept-Language ("es-ES,es;q=0.9,en;q=0.8"), by quality then order; null when none is.
 */
export function pickLocale(list: string | null | undefined): Locale | null {
  if (!list) return null;
  const ranked = list
    .split(/[\s,]+/)
    .map((part, i) => {
      const [tag = "", ...params] = part.split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { lang: tag.trim().toLowerCase().split("-")[0] ?? "", q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.lang && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.map((x) => x.lang).find(isLocale) ?? null;
}

/** This request's language (cookie, then Accept-Language). */
export async function requestLocale(): Promise<Locale> {
  const jar = await cookies();
  const chosen = jar.get(LOCALE_COOKIE)?.value;
  if (isLocale(chosen)) return chosen;
  return pickLocale((await headers()).get("accept-language")) ?? DEFAULT_LOCALE;
}

export function localeCookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: "lax" as const, secure, path: "/", maxAge: 30 * 24 * 60 * 60 };
}
