import { getDb, type DbClient } from "../db/client";
import { isOnActiveKey, type KeyRing } from "../crypto/seal";
import { keyRing, openClientSecret, openProviderSecret, sealClientSecret, sealProviderSecret } from "./secrets";

/**
 * Moves the stored provider client secrets (the settings row, provider_setting
 * rows) to the active key. A handful of rows: each is one conditional UPDATE
 * (the value read is still there), so an admin saving a new secret meanwhile wins.
 */

export interface SecretsResealed {
  moved: number;
  /** Rows whose secret no key of the ring opens (the settings page says so; an admin enters it again). */
  unreadable: string[];
}

export async function resealSecrets(ring: KeyRing = keyRing(), client?: DbClient): Promise<SecretsResealed> {
  const db = client ?? (await getDb());
  const out: SecretsResealed = { moved: 0, unreadable: [] };
  const settings = await db.settings.findMany({ select: { id: true, clientSecretEnc: true } });
  for (const s of settings) {
    if (isOnActiveKey(s.clientSecretEnc, ring)) continue;
    let sealed: string;
    try {
      sealed = sealClientSecret(openClientSecret(s.clientSecretEnc, ring), ring);
    } catch {
      out.unreadable.push("settings");
      continue;
    }
    const { count } = await db.settings.updateMany({
      where: { id: s.id, clientSecretEnc: s.clientSecretEnc },
      data: { clientSecretEnc: sealed },
    });
    out.moved += count;
  }
  const providers = await db.providerSetting.findMany({ select: { provider: true, clientSecretEnc: true } });
  for (const p of providers) {
    if (isOnActiveKey(p.clientSecretEnc, ring)) continue;
    let sealed: string;
    try {
      sealed = sealProviderSecret(p.provider, openProviderSecret(p.provider, p.clientSecretEnc, ring), ring);
    } catch {
      out.unreadable.push(`provider_setting:${p.provider}`);
      continue;
    }
    const { count } = await db.providerSetting.updateMany({
      where: { provider: p.provider, clientSecretEnc: p.clientSecretEnc },
      data: { clientSecretEnc: sealed },
    });
    out.moved += count;
  }
  return out;
}

/** Stored secrets not under the active key. */
export async function secretsOnOldKeys(ring: KeyRing = keyRing(), client?: DbClient): Promise<number> {
  const db = client ?? (await getDb());
  const settings = await db.settings.findMany({ select: { clientSecretEnc: true } });
  const providers = await db.providerSetting.findMany({ select: { clientSecretEnc: true } });
  return [...settings, ...providers].filter((r) => !isOnActiveKey(r.clientSecretEnc, ring)).length;
}
