/**
 * The provider ids the admin forms accept, with no server code, so the same schema
 * runs in the browser (lib/settings/schema.ts). lib/providers/index.ts is the
 * registry; registering a provider there adds its id here too.
 */
const known = new Set<string>(["idme", "idpartner", "oidc"]);

export function knowProvider(id: string): void {
  known.add(id);
}

export function isKnownProvider(id: string): boolean {
  return known.has(id);
}
