/**
 * The Security Event Token vocabulary the receiver acts on (OpenID RISC event
 * types, as the Shared Signals Framework 1.0 transmits them), and how a SET names
 * its subject. Pure: no server imports.
 */

/**
 * How old a SET may be (its iat) and still be accepted; a jti is kept this long (plus the
 * clock skew allowed), after which the retention job deletes it (lib/lifecycle/purge.ts):
 * an older copy would be refused for its age anyway.
 */
export const JTI_WINDOW_DAYS = 30;
export const SET_CLOCK_SKEW_S = 300;

const RISC = "https://schemas.openid.net/secevent/risc/event-type/";
const SSF = "https://schemas.openid.net/secevent/ssf/event-type/";

/** Events that mean the verifications resting on this provider identity no longer stand. */
export const REVOKING_EVENTS: Record<string, string> = {
  [`${RISC}account-disabled`]: "account disabled",
  [`${RISC}account-purged`]: "account purged",
  [`${RISC}credential-compromise`]: "credential compromised",
};

/** The transmitter checking that the stream works (SSF §8.1.4): accepted, nothing to do. */
export const VERIFICATION_EVENT = `${SSF}verification`;

/** The transmitter telling the receiver its stream's status changed (SSF §8.1.5): the stored status follows. */
export const STREAM_UPDATED_EVENT = `${SSF}stream-updated`;
export const STREAM_STATUSES = ["enabled", "paused", "disabled"] as const;

export function eventLabel(type: string): string {
  if (REVOKING_EVENTS[type]) return REVOKING_EVENTS[type]!;
  if (type === VERIFICATION_EVENT) return "stream verification";
  if (type === STREAM_UPDATED_EVENT) return "stream status";
  return type.startsWith(RISC) || type.startsWith(SSF) ? type.slice(type.lastIndexOf("/") + 1) : type;
}

/**
 * The provider identity (its uuid) a subject identifier names (RFC 9493): `iss_sub`
 * issued by the transmitter itself, or `opaque`. Anything else (an email, a phone
 * number) names no provider identity the portal can match without guessing: null.
 */
export function providerUuidOf(subject: unknown, transmitterIssuer: string): string | null {
  if (!subject || typeof subject !== "object") return null;
  const s = subject as Record<string, unknown>;
  if (s.format === "iss_sub" && s.iss === transmitterIssuer && typeof s.sub === "string" && s.sub) return s.sub;
  if (s.format === "opaque" && typeof s.id === "string" && s.id) return s.id;
  return null;
}
