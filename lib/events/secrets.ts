import { openString, sealString, type KeyRing } from "../crypto/seal";
import { keyRing } from "../settings/secrets";

/**
 * An endpoint's signing secrets, sealed like the provider secrets (lib/settings/secrets):
 * the active key of the ring, bound to the endpoint and to which of its two secrets it is,
 * so a sealed value copied to another row or column does not open.
 */

/** The AAD an endpoint's secret is bound to (also for the key rotation's re-seal, ./reseal.ts). */
export const endpointSecretAad = (endpointId: string, which: "secret" | "previous_secret") => `webhook_endpoint.${endpointId}.${which}`;

export function sealEndpointSecret(endpointId: string, which: "secret" | "previous_secret", secret: string, ring: KeyRing = keyRing()) {
  return sealString(secret, ring, endpointSecretAad(endpointId, which));
}

export function openEndpointSecret(endpointId: string, which: "secret" | "previous_secret", sealed: string, ring: KeyRing = keyRing()) {
  return openString(sealed, ring, endpointSecretAad(endpointId, which));
}
