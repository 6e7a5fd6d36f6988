import type { DbClient } from "../db/client";
import { isOnActiveKey, openString, sealString, type KeyRing } from "../crypto/seal";
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

/** Each stream token not under the active key, re-sealed (a conditional UPDATE: a reconnect meanwhile wins). */
export async function resealStreamTokens(db: DbClient, ring: KeyRing): Promise<{ moved: number; unreadable: string[] }> {
  const out = { moved: 0, unreadable: [] as string[] };
  const rows = await db.signalTransmitter.findMany({
    where: { managementTokenEnc: { not: null } },
    select: { id: true, managementTokenEnc: true },
  });
  for (const r of rows) {
    const sealed = r.managementTokenEnc!;
    if (isOnActiveKey(sealed, ring)) continue;
    let moved: string;
    try {
      moved = sealStreamToken(r.id, openStreamToken(r.id, sealed, ring), ring);
    } catch {
      out.unreadable.push(`signal_transmitter:${r.id}:management_token`);
      continue;
    }
    const { count } = await db.signalTransmitter.updateMany({
      where: { id: r.id, managementTokenEnc: sealed },
      data: { managementTokenEnc: moved },
    });
    out.moved += count;
  }
  return out;
}

/** Stream tokens not under the active key (for the health page's count). */
export async function streamTokensOnOldKeys(db: DbClient, ring: KeyRing): Promise<number> {
  const rows = await db.signalTransmitter.findMany({ where: { managementTokenEnc: { not: null } }, select: { managementTokenEnc: true } });
  return rows.filter((r) => !isOnActiveKey(r.managementTokenEnc!, ring)).length;
}
