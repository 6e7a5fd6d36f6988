import type { DbClient } from "../db/client";
import type { KeyRing } from "../crypto/seal";
import { columnsOnOldKeys, resealColumns, type SealedColumn } from "../rotation/column";
import { endpointSecretAad } from "./secrets";

/**
 * The webhook endpoints' signing secrets (current and, during a rotation, previous) moved to
 * the active key, for the key rotation's re-seal (lib/settings/reseal.ts calls this; the
 * batches and the compare-and-set are lib/rotation/column.ts's): an admin rotating meanwhile wins.
 */
const COLUMNS: SealedColumn[] = [
  {
    table: "webhook_endpoint",
    key: "id",
    column: "secret_enc",
    aad: (id) => endpointSecretAad(id, "secret"),
    label: (id) => `webhook_endpoint:${id}`,
  },
  {
    table: "webhook_endpoint",
    key: "id",
    column: "previous_secret_enc",
    aad: (id) => endpointSecretAad(id, "previous_secret"),
    label: (id) => `webhook_endpoint:${id}:previous`,
  },
];

export async function resealWebhookSecrets(db: DbClient, ring: KeyRing): Promise<{ moved: number; unreadable: string[] }> {
  return resealColumns(db, ring, COLUMNS);
}

/** Webhook secrets not under the active key (for the health page's count). */
export async function webhookSecretsOnOldKeys(db: DbClient, ring: KeyRing): Promise<number> {
  return columnsOnOldKeys(db, ring, COLUMNS);
}
