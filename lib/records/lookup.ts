import { getDb } from "../db/client";
import { Prisma } from "../db/generated/client";
import { normalizeReferenceCode } from "../flow/reference";
import { PROVIDERS_CTE, listRecords } from "./list";

/** Small look-ups for the admin pages: application names, the providers with records, the header's lookup box. */

/** Names of registered applications by Auth0 client id. */
export async function applicationNames(): Promise<Map<string, string>> {
  const db = await getDb();
  const apps = await db.application.findMany({ select: { clientId: true, name: true }, orderBy: { name: "asc" } });
  return new Map(apps.map((a) => [a.clientId, a.name]));
}

/** The providers that have records (a loose index scan: a few index probes, not a table scan). */
export async function recordProviders(): Promise<string[]> {
  const db = await getDb();
  const rows = await db.$queryRaw<{ v: string | null }[]>(Prisma.sql`${PROVIDERS_CTE}SELECT v FROM providers WHERE v IS NOT NULL`);
  return rows.map((r) => r.v!).filter(Boolean);
}

/** What a lookup term names, for the header's search box. */
export type LookupTarget =
  { kind: "attempt"; referenceCode: string } | { kind: "search"; q: string } | { kind: "none"; referenceCode: string | null };

/**
 * Resolves what staff typed in the lookup box: a reference code of an
 * existing attempt, or anything the records search accepts (record id, email,
 * Auth0 user id, provider uuid, person id) when some record matches.
 */
export async function resolveLookup(input: string): Promise<LookupTarget> {
  const term = (input ?? "").trim();
  const ref = normalizeReferenceCode(term);
  if (!term || term.length > 320) return { kind: "none", referenceCode: null };
  if (ref) {
    const db = await getDb();
    const attempt = await db.attempt.findUnique({ where: { referenceCode: ref }, select: { referenceCode: true } });
    if (attempt) return { kind: "attempt", referenceCode: attempt.referenceCode };
  }
  const page = await listRecords({ q: term }, { size: 1 });
  if (page.rows.length) return { kind: "search", q: term };
  return { kind: "none", referenceCode: ref };
}
