/**
 * The registered providers, one line each: this is the registry's list. A provider is
 * its folder, lib/providers/<id>/, whose index.ts exports it as its default;
 * lib/providers/index.ts loads the folder of every id named here. No server code, so
 * the admin forms check ids against the same list in the browser (lib/settings/schema.ts).
 */
export const PROVIDER_IDS: readonly string[] = ["idme", "idpartner", "oidc"];

const known = new Set<string>(PROVIDER_IDS);

/** For lib/providers/index.ts's `registerProvider` (tests register their own providers). */
export function knowProvider(id: string): void {
  known.add(id);
}

export function isKnownProvider(id: string): boolean {
  return known.has(id);
}
