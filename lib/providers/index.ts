import { knowProvider, PROVIDER_IDS } from "./known";
import type { ProviderId, VerificationProvider } from "./types";

/**
 * The verification providers the portal knows: every id in ./known.ts, each loaded
 * from its folder (the default export of lib/providers/<id>/index.ts). Adding a provider
 * is its folder and its id in that list; its connection is its provider_setting row,
 * which the admin Settings page edits. Nothing else in the portal names a provider.
 */
const registry = new Map<ProviderId, VerificationProvider>();

/** Adds a provider to the registry (the list's are added below; tests register their own). */
export function registerProvider(p: VerificationProvider): void {
  registry.set(p.id, p);
  knowProvider(p.id);
}

/** A provider's folder as the registry reads it: the default export of lib/providers/<id>/index.ts, with that id. */
export async function loadProvider(id: string): Promise<VerificationProvider> {
  const folder = (await import(`./${id}/index.ts`)) as { default?: VerificationProvider };
  if (folder.default?.id !== id) throw new Error(`lib/providers/${id}/index.ts must export its provider, with id "${id}", as its default`);
  return folder.default;
}

for (const p of await Promise.all(PROVIDER_IDS.map(loadProvider))) registerProvider(p);

export function providerIds(): ProviderId[] {
  return [...registry.keys()];
}

export function isProviderId(id: string): id is ProviderId {
  return registry.has(id);
}

export function providerFor(id: string): VerificationProvider {
  const p = registry.get(id);
  if (!p) throw new Error(`unknown verification provider: ${id}`);
  return p;
}

export type { ProviderId, VerificationProvider } from "./types";
