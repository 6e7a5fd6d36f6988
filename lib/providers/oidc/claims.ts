import { OIDC_PROTOCOL_CLAIMS } from "../claims";
import { ATTRIBUTE_FIELDS, type NormalizedAttributes } from "../vocabulary";
import type { OidcConfig, VerifiedRule } from "./config";

/**
 * Reads a configured provider's answer: the ID token's claims, overlaid by the
 * userinfo claims, mapped to the record's fields by the admin's mapping, and the
 * "verified" rule applied. For verified_claims (OpenID Connect for Identity
 * Assurance 1.0) the mapped values come from the verified claims themselves.
 * Error messages name claims, never their values.
 */

export class ClaimsError extends Error {
  constructor(
    readonly code: "userinfo_uuid_missing" | "userinfo_malformed",
    message: string,
  ) {
    super(message);
    this.name = "ClaimsError";
  }
}

type Claims = Record<string, unknown>;

function at(claims: Claims, path: string): unknown {
  let here: unknown = claims;
  for (const key of path.split(".")) {
    if (!here || typeof here !== "object" || Array.isArray(here)) return undefined;
    here = (here as Claims)[key];
  }
  return here;
}

function text(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() || undefined;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** The verified_claims entries (one object or an array of them, OIDC4IDA §5). */
function verifiedClaimsOf(claims: Claims): Array<{ framework: string | null; claims: Claims }> {
  const vc = claims.verified_claims;
  if (vc === undefined) return [];
  const list = Array.isArray(vc) ? vc : [vc];
  return list.map((entry) => {
    if (!entry || typeof entry !== "object") throw new ClaimsError("userinfo_malformed", "verified_claims is not an object");
    const e = entry as Claims;
    const framework = text(at(e, "verification.trust_framework")) ?? null;
    const inner = e.claims;
    if (!inner || typeof inner !== "object" || Array.isArray(inner))
      throw new ClaimsError("userinfo_malformed", "verified_claims has no claims object");
    return { framework, claims: inner as Claims };
  });
}

export interface ParsedAnswer {
  sub: string;
  normalized: NormalizedAttributes;
  identityVerified: boolean;
  /** Why it counts as verified or not (no personal data): for the attempt's timeline. */
  basis: string;
  attributeCount: number;
}

function decide(rule: VerifiedRule, idToken: Claims | null, merged: Claims): { verified: boolean; basis: string; source: Claims } {
  switch (rule.kind) {
    case "acr": {
      // acr is about the authentication, so it is read from the signed ID token only.
      const acr = text(idToken?.acr);
      return { verified: acr === rule.acr, basis: `acr ${acr ?? "absent"} (${rule.acr} required)`, source: merged };
    }
    case "verified_claims": {
      const entries = verifiedClaimsOf(merged);
      const accepted = entries.find((e) => e.framework !== null && rule.trustFrameworks.includes(e.framework));
      const seen = entries.map((e) => e.framework ?? "none").join(", ") || "none";
      return {
        verified: accepted !== undefined,
        basis: `verified_claims trust framework ${seen} (${rule.trustFrameworks.join(" or ")} accepted)`,
        // Only what the provider verified is kept as the person's attributes.
        source: accepted ? { ...accepted.claims, sub: merged.sub } : merged,
      };
    }
    case "claim": {
      const got = text(at(merged, rule.claim));
      return {
        verified: got === rule.value,
        basis: `claim ${rule.claim} ${got === rule.value ? "equals" : "does not equal"} the required value`,
        source: merged,
      };
    }
  }
}

export function parseAnswer(config: OidcConfig, idToken: Claims | null, userinfo: Claims | null): ParsedAnswer {
  const merged: Claims = { ...(idToken ?? {}), ...(userinfo ?? {}) };
  const sub = text(merged.sub);
  if (!sub) throw new ClaimsError("userinfo_uuid_missing", "the answer has no sub");
  const { verified, basis, source } = decide(config.verified, idToken, merged);
  const normalized: NormalizedAttributes = { uuid: sub };
  for (const field of ATTRIBUTE_FIELDS) {
    const path = config.mapping[field];
    const value = path ? text(at(source, path)) : undefined;
    if (value !== undefined) normalized[field] = value;
  }
  const protocol = new Set(OIDC_PROTOCOL_CLAIMS);
  const attributeCount = Object.keys(merged).filter((k) => !protocol.has(k)).length;
  return { sub, normalized, identityVerified: verified, basis, attributeCount };
}
