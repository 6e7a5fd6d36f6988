import type { DbClient } from "../db/client";
import { isOnActiveKey, type KeyRing } from "../crypto/seal";
import { openEndpointSecret, sealEndpointSecret } from "./secrets";

/**
 * The webhook endpoints' signing secrets (current and, during a rotation, previous) moved to
 * the active key, for the key rotation's re-seal (lib/settings/reseal.ts calls this). Each
 * one conditional UPDATE: an admin rotating meanwhile wins.
 */
export async function resealWebhookSecrets(db: DbClient, ring: KeyRing): Promise<{ moved: number; unreadable: string[] }> {
  const out = { moved: 0, unreadable: [] as string[] };
  const rows = await db.webhookEndpoint.findMany({ select: { id: true, secretEnc: true, previousSecretEnc: true } });
  for (const r of rows) {
    for (const which of ["secret", "previous_secret"] as const) {
      const sealed = which === "secret" ? r.secretEnc : r.previousSecretEnc;
      if (!sealed || isOnActiveKey(sealed, ring)) continue;
      let moved: string;
      try {
        moved = sealEndpointSecret(r.id, which, openEndpointSecret(r.id, which, sealed, ring), ring);
      } catch {
        out.unreadable.push(`webhook_endpoint:${r.id}${which === "secret" ? "" : ":previous"}`);
        continue;
      }
      const { count } = await db.webhookEndpoint.updateMany({
        where: which === "secret" ? { id: r.id, secretEnc: sealed } : { id: r.id, previousSecretEnc: sealed },
        data: which === "secret" ? { secretEnc: moved } : { previousSecretEnc: moved },
      });
      out.moved += count;
    }
  }
  return out;
}

/** Webhook secrets not under the active key (for the health page's count). */
export async function webhookSecretsOnOldKeys(db: DbClient, ring: KeyRing): Promise<number> {
  const rows = await db.webhookEndpoint.findMany({ select: { secretEnc: true, previousSecretEnc: true } });
  return rows.flatMap((r) => [r.secretEnc, r.previousSecretEnc]).filter((v) => v !== null && !isOnActiveKey(v, ring)).length;
}
