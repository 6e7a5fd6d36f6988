import { openString, sealString, type KeyRing } from "../crypto/seal";
import type { SealedColumn } from "../rotation/column";
import { keyRing } from "../settings/secrets";

/**
 * The bearer token a transmitter issued to the portal for its stream management API
 * (Signals › Connect stream): sealed at rest, bound to its transmitter, and moved to the
 * active key by the key rotation's re-seal (lib/settings/reseal.ts) like every stored secret.
 */

const aad = (transmitterId: string) => `signal_transmitter:${transmitterId}:management_token`;

export function sealStreamToken(transmitterId: string, token: string, ring: KeyRing = keyRing()): string {
  return sealString(token, ring, aad(transmitterId));
}

export function openStreamToken(transmitterId: string, sealed: string, ring: KeyRing = keyRing()): string {
  return openString(sealed, ring, aad(transmitterId));
}

/** The stream tokens, as the key rotation's re-seal moves them (lib/settings/reseal.ts; a reconnect meanwhile wins) and the health page counts them. */
export const STREAM_TOKEN_COLUMN: SealedColumn = {
  table: "signal_transmitter",
  key: "id",
  column: "management_token_enc",
  aad,
  label: (id) => `signal_transmitter:${id}:management_token`,
};
