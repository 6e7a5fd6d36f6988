import { getDb, type DbClient } from "../db/client";
import { isOnActiveKey, type KeyRing } from "../crypto/seal";
import {
  keyRing,
  openClientSecret,
  openPrivateKey,
  openProviderSecret,
  sealClientSecret,
  sealPrivateKey,
  sealProviderSecret,
} from "./secrets";
import { resealWebhookSecrets, webhookSecretsOnOldKeys } from "../events/reseal";
import { resealStreamTokens, streamTokensOnOldKeys } from "../signals/token";

/**
 * Moves the stored provider secrets to the active key: every provider_setting row's
 * client secret and signing key, and the settings row's old ID.me secret (no longer
 * read, but still a secret; kept sealed under a live key until the column goes). A
 * handful of rows: each is one conditional UPDATE (the value read is still there), so
 * an admin saving a new secret meanwhile wins. A secret carried over with another
 * binding (`client_secret_aad`) is re-sealed with the row's own and the binding cleared.
 */

export interface SecretsResealed {
  moved: number;
  /** Rows whose secret no key of the ring opens (the settings page says so; an admin enters it again). */
  unreadable: string[];
}

const onOldKey = (sealed: string | null, ring: KeyRing): sealed is string => sealed !== null && !isOnActiveKey(sealed, ring);

export async function resealSecrets(ring: KeyRing = keyRing(), client?: DbClient): Promise<SecretsResealed> {
  const db = client ?? (await getDb());
  const out: SecretsResealed = { moved: 0, unreadable: [] };
  const settings = await db.settings.findMany({ select: { id: true, clientSecretEnc: true } });
  for (const s of settings) {
    if (!onOldKey(s.clientSecretEnc, ring)) continue;
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
  const providers = await db.providerSetting.findMany({
    select: { provider: true, clientSecretEnc: true, clientSecretAad: true, privateKeyEnc: true },
  });
  for (const p of providers) {
    if (onOldKey(p.clientSecretEnc, ring)) {
      let sealed: string;
      try {
        sealed = sealProviderSecret(p.provider, openProviderSecret(p.provider, p.clientSecretEnc, p.clientSecretAad, ring), ring);
      } catch {
        out.unreadable.push(`provider_setting:${p.provider}`);
        sealed = "";
      }
      if (sealed) {
        const { count } = await db.providerSetting.updateMany({
          where: { provider: p.provider, clientSecretEnc: p.clientSecretEnc },
          data: { clientSecretEnc: sealed, clientSecretAad: null },
        });
        out.moved += count;
      }
    }
    if (onOldKey(p.privateKeyEnc, ring)) {
      let sealed: string;
      try {
        sealed = sealPrivateKey(p.provider, openPrivateKey(p.provider, p.privateKeyEnc, ring), ring);
      } catch {
        out.unreadable.push(`provider_setting:${p.provider}:private_key`);
        continue;
      }
      const { count } = await db.providerSetting.updateMany({
        where: { provider: p.provider, privateKeyEnc: p.privateKeyEnc },
        data: { privateKeyEnc: sealed },
      });
      out.moved += count;
    }
  }
  const webhooks = await resealWebhookSecrets(db, ring);
  const streams = await resealStreamTokens(db, ring);
  return {
    moved: out.moved + webhooks.moved + streams.moved,
    unreadable: [...out.unreadable, ...webhooks.unreadable, ...streams.unreadable],
  };
}

/** Stored secrets not under the active key. */
export async function secretsOnOldKeys(ring: KeyRing = keyRing(), client?: DbClient): Promise<number> {
  const db = client ?? (await getDb());
  const settings = await db.settings.findMany({ select: { clientSecretEnc: true } });
  const providers = await db.providerSetting.findMany({ select: { clientSecretEnc: true, privateKeyEnc: true } });
  return (
    [...settings.map((s) => s.clientSecretEnc), ...providers.flatMap((p) => [p.clientSecretEnc, p.privateKeyEnc])].filter((v) =>
      onOldKey(v, ring),
    ).length +
    (await webhookSecretsOnOldKeys(db, ring)) +
    (await streamTokensOnOldKeys(db, ring))
  );
}
