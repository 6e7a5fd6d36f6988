import { idme } from "./idme";
import { idpartner } from "./idpartner";
import type { ProviderId, VerificationProvider } from "./types";

/**
 * The verification providers the portal knows. Adding an OIDC provider is a new
 * folder under lib/ implementing VerificationProvider, one line here, and its
 * connection settings (the provider_setting table); the flow does not change.
 */
export const PROVIDERS: Record<ProviderId, VerificationProvider> = { idme, idpartner };

export const PROVIDER_IDS = Object.keys(PROVIDERS) as ProviderId[];

export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(PROVIDERS, id);
}

export function providerFor(id: string): VerificationProvider {
  if (!isProviderId(id)) throw new Error(`unknown verification provider: ${id}`);
  return PROVIDERS[id];
}

export type { ProviderId, VerificationProvider } from "./types";
