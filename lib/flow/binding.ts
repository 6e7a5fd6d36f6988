import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { getDb } from "../db/client";
import type { Attempt } from "./attempts";

/**
 * What ties an attempt to the browser that opened it and to its Action token.
 *
 * - Browser: a random secret in the httpOnly `idv_browser` cookie; the attempt
 *   keeps only its SHA-256. Every later step (consent, start, decline, callback,
 *   continue, resume) must come with it, so an attempt id or a provider `state`
 *   that reaches another browser opens nothing there.
 * - Token: the fingerprint of the Action's token (lib/auth0/token.ts) is
 *   claimed once in `entry_token`; its primary key makes two simultaneous
 *   arrivals of one token a single winner.
 */

export const BROWSER_COOKIE = "idv_browser";

const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newBrowserSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** The cookie's value when it is one the portal could have made; anything else counts as none. */
export function browserSecretFrom(value: string | undefined): string | undefined {
  return value && SECRET_SHAPE.test(value) ? value : undefined;
}

export function browserHash(secret: string): string {
  return createHash("sha256").update(`idv-browser:${secret}`).digest("hex");
}

/** Whether this browser (its secret) opened the attempt. An attempt without a binding belongs to no browser. */
export function openedBy(attempt: Pick<Attempt, "browserHash">, secret: string | undefined): boolean {
  if (!attempt.browserHash || !secret) return false;
  const a = Buffer.from(attempt.browserHash, "hex");
  const b = Buffer.from(browserHash(secret), "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

// Kept a little beyond the token's expiry (plus the 60 s clock skew the check allows).
const KEEP_AFTER_EXPIRY_MS = 5 * 60_000;

/**
 * Claims a token's one use for the attempt it opens (its id chosen beforehand); false when it
 * was claimed before. One statement: it also sweeps a few long-expired claims, skipping rows
 * another entry is sweeping, so simultaneous entries never wait on each other.
 */
export async function claimEntryToken(fingerprint: string, expiresAt: Date, attemptId: string | null = null): Promise<boolean> {
  const db = await getDb();
  const cutoff = new Date(Date.now() - KEEP_AFTER_EXPIRY_MS).toISOString();
  const claimed = await db.$queryRaw<{ fingerprint: string }[]>`
    WITH swept AS (
      DELETE FROM entry_token WHERE fingerprint IN (
        SELECT fingerprint FROM entry_token WHERE expires_at < ${cutoff}::timestamptz LIMIT 100 FOR UPDATE SKIP LOCKED
      )
    )
    INSERT INTO entry_token (fingerprint, expires_at, attempt_id)
    VALUES (${fingerprint}, ${expiresAt.toISOString()}::timestamptz, ${attemptId}::text)
    ON CONFLICT (fingerprint) DO NOTHING
    RETURNING fingerprint`;
  return claimed.length === 1;
}

/** The reference code of the attempt a token opened first, if known. */
export async function firstAttemptOf(fingerprint: string): Promise<string | null> {
  const db = await getDb();
  const use = await db.entryToken.findUnique({ where: { fingerprint } });
  if (!use?.attemptId) return null;
  const first = await db.attempt.findUnique({ where: { id: use.attemptId }, select: { referenceCode: true } });
  return first?.referenceCode ?? null;
}

const HINT_MAX = 80;

/**
 * A claim shown on the consent page (the Action's masked `hint`, the `app`
 * name): one line of printable text, or nothing.
 */
export function displayClaim(value: unknown): string | null {
  if (typeof value !== "string") return null;
  // Control and direction-changing characters could disguise what the person reads: such a claim is not shown.
  if (/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/.test(value)) return null;
  const text = value.trim();
  return text === "" || text.length > HINT_MAX ? null : text;
}
