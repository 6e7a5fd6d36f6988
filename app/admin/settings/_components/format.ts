import { IDENTITY_SCOPE, type Policy } from "@/lib/settings/schema";

/** How the settings read on the admin pages (server and client components alike). */

export function hoursText(h: number): string {
  if (h === 0) return "every login";
  if (h % 24 === 0) return `after ${h} h (${h / 24} day${h === 24 ? "" : "s"})`;
  return `after ${h} h`;
}

/** The IAL2 policy URL is long; staff know it as "IAL2". */
export function scopeText(scope: string): string {
  if (scope === IDENTITY_SCOPE) return "IAL2";
  if (scope.startsWith(`${IDENTITY_SCOPE}/`)) return `IAL2${scope.slice(IDENTITY_SCOPE.length)}`;
  return scope;
}

export function policyText(policy: Policy): string {
  return policy === "identity" ? "Identity (IAL2)" : "Community";
}

/** One value of a FormData-shaped object, as a form's default. */
export function textOf(values: Record<string, unknown> | undefined, name: string, fallback = ""): string {
  const v = values?.[name];
  if (Array.isArray(v)) return String(v[v.length - 1] ?? fallback);
  return v === undefined || v === null ? fallback : String(v);
}

/** Every value of a repeated field (checkboxes). */
export function listOf(values: Record<string, unknown> | undefined, name: string): string[] {
  const v = values?.[name];
  return v === undefined || v === null ? [] : ([] as unknown[]).concat(v).map(String);
}
