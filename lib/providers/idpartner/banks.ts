import { FlowError } from "../../flow/states";
import type { IdpartnerConfig } from "./config";

/**
 * Which bank issuers the portal goes to. IDPartner's account selector answers with the
 * chosen bank's issuer in the query (`iss`), which anyone can forge; the portal accepts it
 * only when it is on IDPartner's published list of banks or on the admin's allow list
 * (Settings → IDPartner, or IDPARTNER_ALLOWED_ISSUERS), compared exactly after removing a
 * trailing slash. Never an arbitrary URL from the query: that would let a link send the
 * person, and the portal's client credentials, to any server.
 *
 * IDPartner's published list: IDPartner publishes its participating banks in its console
 * and documentation, not as a machine-readable list we could confirm; the list below stays
 * empty until one is, and operators list their banks' issuers in the allow list.
 */
export const PUBLISHED_BANK_ISSUERS: readonly string[] = [];

export function normalizeIssuer(v: string): string {
  return v.trim().replace(/\/+$/, "");
}

export function allowedIssuers(config: IdpartnerConfig): string[] {
  return [...new Set([...PUBLISHED_BANK_ISSUERS, ...config.allowedIssuers].map(normalizeIssuer))];
}

/** The chooser's `iss`, if it is an allowed bank; otherwise bank_not_allowed. */
export function acceptIssuer(config: IdpartnerConfig, iss: string | null): string {
  if (!iss) throw new FlowError("bank_not_allowed", "the account selector's answer names no bank issuer (iss)");
  const wanted = normalizeIssuer(iss);
  const found = allowedIssuers(config).find((a) => a === wanted);
  if (!found) {
    let where = "an unparseable URL";
    try {
      where = new URL(wanted).origin;
    } catch {
      /* stays "an unparseable URL" */
    }
    throw new FlowError("bank_not_allowed", `the account selector named a bank issuer at ${where} that is on neither list`);
  }
  return found;
}
