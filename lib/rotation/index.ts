import { getDb } from "../db/client";
import { activePrefix, type KeyRing } from "../crypto/seal";
import { keyRing } from "../settings/secrets";
import { recordValuesOnOldKeys, resealRecordBatch } from "../records/reseal";
import { resealSecrets, secretsOnOldKeys } from "../settings/reseal";

/**
 * Key rotation (README "Rotating the encryption key"): after the operator puts a
 * new key first in ENCRYPTION_KEYS, new values are sealed with it at once and the
 * re-seal job moves every stored value (records' sealed fields and email lookups,
 * the provider client secrets) to it, in batches. Run it again after a crash: it
 * picks up what is left. When it reports nothing left, the old keys can go.
 */

export interface ResealProgress {
  /** Records moved so far in this run. */
  moved: number;
  /** Records that needed moving when the run started. */
  total: number;
  unreadable: number;
  elapsedMs: number;
}

export interface ResealResult extends ResealProgress {
  secretsMoved: number;
  /** Ids of records (and secret rows) no key of the ring opens: left as they are. */
  unreadableIds: string[];
  /** Sealed values still not under the active key after the run (0 when it is done). */
  remaining: number;
}

export interface ResealOptions {
  batchSize?: number;
  ring?: KeyRing;
  onProgress?: (p: ResealProgress) => void;
  /** Pause between batches (ms), to leave the database to the login path on a busy day. */
  pauseMs?: number;
}

/** Records with any sealed field not under the active key (the job's starting total). */
async function recordsToMove(ring: KeyRing): Promise<number> {
  const db = await getDb();
  const like = `${activePrefix(ring).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const [row] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*)::bigint AS n FROM verification_record
    WHERE attributes_enc NOT LIKE ${like} OR raw_userinfo_enc NOT LIKE ${like}
       OR (id_token_claims_enc IS NOT NULL AND id_token_claims_enc NOT LIKE ${like})`;
  return Number(row?.n ?? 0);
}

export async function reseal(opts: ResealOptions = {}): Promise<ResealResult> {
  const ring = opts.ring ?? keyRing();
  const size = opts.batchSize ?? 1000;
  const started = performance.now();
  const secrets = await resealSecrets(ring);
  const total = await recordsToMove(ring);
  const unreadableIds = [...secrets.unreadable];
  let moved = 0;
  let cursor: string | null = "";
  while (cursor !== null) {
    const batch = await resealRecordBatch(cursor, size, ring);
    moved += batch.moved;
    unreadableIds.push(...batch.unreadable);
    cursor = batch.cursor;
    opts.onProgress?.({ moved, total, unreadable: unreadableIds.length, elapsedMs: Math.round(performance.now() - started) });
    if (cursor !== null && opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
  const remaining = (await recordValuesOnOldKeys(ring)) + (await secretsOnOldKeys(ring));
  return {
    moved,
    total,
    unreadable: unreadableIds.length,
    unreadableIds,
    secretsMoved: secrets.moved,
    remaining,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** For the health report: how many stored sealed values are still under an old key, and which key is active. */
export async function keyUsage(ring: KeyRing = keyRing()): Promise<{ activeKey: string; valuesOnOldKeys: number }> {
  const valuesOnOldKeys = (await recordValuesOnOldKeys(ring)) + (await secretsOnOldKeys(ring));
  return { activeKey: ring.active ?? "(ENCRYPTION_KEY)", valuesOnOldKeys };
}
