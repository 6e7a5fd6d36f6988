import { createHmac, randomBytes } from "node:crypto";

/**
 * The signature of a delivery (README "Webhooks out"): one header,
 *
 *   Idv-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=<…>]
 *
 * keyed by the endpoint's secret (its UTF-8 text, `whsec_…`). During a rotation the
 * previous secret signs too: one v1 per secret, the current one first. Receivers
 * compare against each v1 and refuse a t too far from their clock (replays).
 */

export const SIGNATURE_HEADER = "Idv-Signature";

/** A new signing secret: 32 random bytes, base64url, with a prefix that says what it is. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signatureHeader(secrets: readonly string[], body: string, t: number): string {
  const parts = secrets.map((s) => `v1=${createHmac("sha256", s).update(`${t}.${body}`).digest("hex")}`);
  return [`t=${t}`, ...parts].join(",");
}
