import { env } from "../env";
import { activeKey, openString, sealString, type KeyRing } from "../crypto/seal";

/**
 * The stored provider secrets, sealed with the active key of the key ring
 * (ENCRYPTION_KEYS, or ENCRYPTION_KEY alone) and bound to where they are kept. No
 * database here: the start-up seed (lib/settings/seed.ts) seals with it before the
 * Prisma client exists.
 */

/** The key ring: seals with its active key, opens with any of its keys. */
export function keyRing(): KeyRing {
  return env().keyRing;
}

/** The active key's bytes (for keyed hashes that need one key, not a ring). */
export function encryptionKey(): Buffer {
  return activeKey(env().keyRing);
}

export const SECRET_AAD = "settings.client_secret";
export const providerSecretAad = (provider: string) => `provider_setting.${provider}.client_secret`;

/** Seals an ID.me client secret for the settings row. */
export function sealClientSecret(secret: string, ring: KeyRing = keyRing()): string {
  return sealString(secret, ring, SECRET_AAD);
}

export function openClientSecret(sealed: string, ring: KeyRing = keyRing()): string {
  return openString(sealed, ring, SECRET_AAD);
}

/** Seals another provider's client secret for its provider_setting row. */
export function sealProviderSecret(provider: string, secret: string, ring: KeyRing = keyRing()): string {
  return sealString(secret, ring, providerSecretAad(provider));
}

/** Opens a provider_setting row's secret; `aad` is the row's client_secret_aad (a secret carried over from elsewhere). */
export function openProviderSecret(provider: string, sealed: string, aad?: string | null, ring: KeyRing = keyRing()): string {
  return openString(sealed, ring, aad ?? providerSecretAad(provider));
}

export const privateKeyAad = (provider: string) => `provider_setting.${provider}.private_key`;

/** Seals the portal's private signing key (a JWK) for a provider_setting row. */
export function sealPrivateKey(provider: string, jwk: object, ring: KeyRing = keyRing()): string {
  return sealString(JSON.stringify(jwk), ring, privateKeyAad(provider));
}

export function openPrivateKey(provider: string, sealed: string, ring: KeyRing = keyRing()): Record<string, unknown> {
  return JSON.parse(openString(sealed, ring, privateKeyAad(provider))) as Record<string, unknown>;
}
