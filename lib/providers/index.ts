import { idme } from "./idme";
import { idpartner } from "./idpartner";
import { oidcProvider } from "./oidc";
import { knowProvider } from "./known";
import type { ProviderId, VerificationProvider } from "./types";

/**
 * The verification providers the portal knows. A provider is a folder under
 * lib/providers/ exporting a VerificationProvider, and one line here; its connection
 * is its provider_setting row, which the admin Settings page edits. Nothing else in
 * the portal names a provider.
 */
const registry = new Map<ProviderId, VerificationProvider>();

/** Adds a provider to the registry (the list below; tests register their own). */
export function registerProvider(p: VerificationProvider): void {
  registry.set(p.id, p);
  knowProvider(p.id);
}

for (const p of [idme, idpartner, oidcProvider]) registerProvider(p);

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
