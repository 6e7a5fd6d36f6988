import { getDb, type DbClient } from "../db/client";
import type { KeyRing } from "../crypto/seal";
import { keyRing, privateKeyAad, providerSecretAad, SECRET_AAD } from "./secrets";
import { columnsOnOldKeys, resealColumns, type SealedColumn } from "../rotation/column";
import { WEBHOOK_SECRET_COLUMNS } from "../events/reseal";
import { STREAM_TOKEN_COLUMN } from "../signals/token";

/**
 * Moves the stored provider secrets to the active key: every provider_setting row's
 * client secret and signing key, and the settings row's old ID.me secret (no longer
 * read, but still a secret; kept sealed under a live key until the column goes); then
 * the webhook endpoints' secrets and the Shared Signals stream tokens. Each column is
 * re-sealed by lib/rotation/column.ts (in batches, each UPDATE conditional on the value
 * read still being there, so an admin saving a new secret meanwhile wins). A secret
 * carried over with another binding (`client_secret_aad`) is re-sealed with the row's
 * own and the binding cleared.
 */

export interface SecretsResealed {
  moved: number;
  /** Rows whose secret no key of the ring opens (the settings page says so; an admin enters it again). */
  unreadable: string[];
}

const COLUMNS: SealedColumn[] = [
  { table: "settings", key: "id", column: "client_secret_enc", aad: () => SECRET_AAD, label: () => "settings" },
  {
    table: "provider_setting",
    key: "provider",
    column: "client_secret_enc",
    aad: providerSecretAad,
    aadColumn: "client_secret_aad",
    label: (provider) => `provider_setting:${provider}`,
  },
  {
    table: "provider_setting",
    key: "provider",
    column: "private_key_enc",
    aad: privateKeyAad,
    label: (provider) => `provider_setting:${provider}:private_key`,
  },
  ...WEBHOOK_SECRET_COLUMNS,
  STREAM_TOKEN_COLUMN,
];

export async function resealSecrets(ring: KeyRing = keyRing(), client?: DbClient): Promise<SecretsResealed> {
  const db = client ?? (await getDb());
  return resealColumns(db, ring, COLUMNS);
}

/** Stored secrets not under the active key. */
export async function secretsOnOldKeys(ring: KeyRing = keyRing(), client?: DbClient): Promise<number> {
  const db = client ?? (await getDb());
  return columnsOnOldKeys(db, ring, COLUMNS);
}
