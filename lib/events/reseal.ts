import type { SealedColumn } from "../rotation/column";
import { endpointSecretAad } from "./secrets";

/**
 * The webhook endpoints' signing secrets (current and, during a rotation, previous), as the key
 * rotation's re-seal moves them to the active key (lib/settings/reseal.ts, with
 * lib/rotation/column.ts: a conditional UPDATE, so an admin rotating meanwhile wins) and the
 * health page counts them.
 */
export const WEBHOOK_SECRET_COLUMNS: SealedColumn[] = [
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
