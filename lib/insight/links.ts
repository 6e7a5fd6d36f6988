/**
 * Addresses of the support pages, for links from anywhere (pure: usable in
 * client components too).
 */

/** The person view of an Auth0 user (the id URL-encoded: `auth0|…` has a `|`). */
export function personHref(auth0UserId: string): string {
  return `/admin/people/${encodeURIComponent(auth0UserId)}`;
}

export function attemptHref(referenceCode: string): string {
  return `/admin/attempts/${encodeURIComponent(referenceCode)}`;
}

export function recordHref(recordId: string): string {
  return `/admin/records/${encodeURIComponent(recordId)}`;
}

/** A query string from the given values (empty ones left out), with a leading "?" when not empty. */
export function query(values: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** A dynamic route segment as the page receives it: decoded once (Next.js may or may not have decoded it). */
export function segment(value: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(value)) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The CSV download of a list, with the list's own filters: e.g. on the records
 * page `exportHref("records", searchParams)` (page cursors are left out).
 * Admins may add `{ attributes: "1" }` for the normalized attributes (audited).
 */
export function exportHref(
  kind: "records" | "attempts",
  params: Record<string, string | string[] | undefined | null> = {},
  extra: Record<string, string> = {},
): string {
  const out = new URLSearchParams({ kind });
  for (const [k, v] of Object.entries(params)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (k === "kind" || k === "cursor" || k === "size" || k === "before" || value === undefined || value === null || value === "") continue;
    out.set(k, value);
  }
  for (const [k, v] of Object.entries(extra)) out.set(k, v);
  return `/api/admin/export?${out}`;
}

/** Support's page of one provider identity: who it is linked to, who else came back with it (move / unlink). */
export function identityHref(provider: string, providerUuid: string): string {
  return `/admin/identities/${encodeURIComponent(provider)}/${encodeURIComponent(providerUuid)}`;
}
