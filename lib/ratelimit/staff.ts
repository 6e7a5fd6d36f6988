import type { NextRequest } from "next/server";
import type { Auth0Client } from "@auth0/nextjs-auth0/server";
import { take } from "./index";
import { tooManyRequests } from "./page";

/**
 * Reference-code and record lookups per staff member, counted in proxy.ts
 * (the one place that can still answer a page request with 429): the search
 * box (/admin/lookup?ref=…), the records search (/admin/records?q=…) and
 * opening an attempt by its code (/admin/attempts/<ref>). Link prefetches are
 * not lookups. Anonymous requests are left to the access guard (sign in first).
 */
export function isLookup(request: NextRequest): boolean {
  const { pathname, searchParams } = request.nextUrl;
  if (request.headers.get("next-router-prefetch") || request.headers.get("purpose") === "prefetch") return false;
  if (pathname === "/admin/lookup") return Boolean(searchParams.get("ref")?.trim());
  if (pathname === "/admin/records") return Boolean(searchParams.get("q")?.trim());
  return pathname.startsWith("/admin/attempts/");
}

/** A 429 response when this staff member is beyond the limit; null to go on. */
export async function limitStaffLookup(request: NextRequest, auth: Auth0Client): Promise<Response | null> {
  if (!isLookup(request)) return null;
  const session = await auth.getSession(request);
  const who = session?.user?.sub;
  if (typeof who !== "string" || who === "") return null;
  const verdict = await take("staff_lookups", who);
  return verdict.allowed ? null : tooManyRequests("staff_lookups", verdict);
}
