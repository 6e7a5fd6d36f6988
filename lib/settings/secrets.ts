import { env } from "../env";
import { openString, parseEncryptionKey, sealString } from "../crypto/seal";

/**
 * The stored provider secrets, sealed with ENCRYPTION_KEY and bound to where
 * they are kept. No database here: the start-up seed (lib/settings/seed.ts)
 * seals with it before the Prisma client exists.
 */

export function encryptionKey(): Buffer {
  return parseEncryptionKey(env().ENCRYPTION_KEY);
}

const SECRET_AAD = "settings.client_secret";
const providerSecretAad = (provider: string) => `provider_setting.${provider}.client_secret`;

/** Seals an ID.me client secret for the settings row. */
export function sealClientSecret(secret: string): string {
  return sealString(secret, encryptionKey(), SECRET_AAD);
}

export function openClientSecret(sealed: string): string {
  return openString(sealed, encryptionKey(), SECRET_AAD);
}

/** Seals another provider's client secret for its provider_setting row. */
export function sealProviderSecret(provider: string, secret: string): string {
  return sealString(secret, encryptionKey(), providerSecretAad(provider));
}

export function openProviderSecret(provider: string, sealed: string): string {
  return openString(sealed, encryptionKey(), providerSecretAad(provider));
}
