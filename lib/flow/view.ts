import { getDb } from "../db/client";
import { isProviderId, providerFor } from "../providers";
import { currentConnection, currentSettings } from "../settings";
import type { Attempt } from "./attempts";

/** What the person's pages say about an attempt. No personal data here. */

/** What the person is asked to do, in the words of the attempt's provider. */
export function purpose(attempt: Pick<Attempt, "policy" | "requiredGroup"> & { provider?: string }): string {
  const provider = attempt.provider && isProviderId(attempt.provider) ? providerFor(attempt.provider) : providerFor("idme");
  return provider.purpose(attempt.policy, attempt.requiredGroup);
}

/** The application's name from its requirements row, or null when the portal does not know it. */
export async function applicationName(attempt: Pick<Attempt, "auth0ClientId">): Promise<string | null> {
  if (!attempt.auth0ClientId) return null;
  // From this instance's settings cache (lib/settings/cache.ts); the table when those cannot be made.
  const s = await currentSettings(attempt.auth0ClientId).catch(() => null);
  if (s) return s.applicationName;
  const db = await getDb();
  const app = await db.application.findUnique({ where: { clientId: attempt.auth0ClientId } });
  return app?.name ?? null;
}

/** The provider's name as the person knows it, from its settings when it takes one (the OpenID Connect provider). */
export async function providerNameFor(provider: string): Promise<string> {
  if (!isProviderId(provider)) return provider;
  const p = providerFor(provider);
  if (!p.nameIn) return p.displayName;
  const conn = await currentConnection(provider).catch(() => null);
  return (conn && p.nameIn(conn.config)) || p.displayName;
}

export function providerName(provider: string): string {
  return isProviderId(provider) ? providerFor(provider).displayName : provider;
}

export interface OutcomeText {
  title: string;
  body: string;
  tone: "ok" | "warn" | "error";
}

export function outcomeText(attempt: Pick<Attempt, "status" | "failureCode" | "provider">): OutcomeText {
  const p = providerName(attempt.provider);
  switch (attempt.status) {
    case "verified":
      return { title: "You're verified", body: "Your verification is complete. Continue to the application.", tone: "ok" };
    case "declined":
      return {
        title: "Verification cancelled",
        body:
          attempt.failureCode === "declined_at_portal"
            ? "You chose not to verify now. The application may not let you continue without it; you can try again whenever you are ready."
            : `You chose not to share your information with ${p}. The application may not let you continue without it; you can try again whenever you are ready.`,
        tone: "warn",
      };
    case "failed":
      return {
        title: "We couldn't verify you",
        body:
          attempt.failureCode === "uuid_linked_to_other_user"
            ? `This ${p} account is already linked to another account of this application. Contact support with the reference code below.`
            : `${p} did not confirm what the application needs. If you think this is wrong, contact support with the reference code below.`,
        tone: "error",
      };
    case "error":
      return {
        title: "Something went wrong",
        body: errorBody(attempt.failureCode, p),
        tone: "error",
      };
    default:
      return {
        title: "Verification in progress",
        body: "This verification has not finished yet. Reload this page in a moment.",
        tone: "warn",
      };
  }
}

/** What the person reads for an error: grouped by what they can do about it. */
function errorBody(code: string | null, provider: string): string {
  const again = "Go back to the application and sign in again.";
  const support = "If it keeps happening, contact support with the reference code below.";
  if (code === "token_reused") return `This sign-in link has already been used. Each link works once: ${again.toLowerCase()}`;
  if (code === "token_ip_mismatch")
    return `This sign-in link was opened from another network or device than the sign-in. ${again} Use the same device. ${support}`;
  if ((code?.startsWith("token_") && !code.startsWith("token_exchange")) || code === "state_missing")
    return `The sign-in link was not valid or has expired. ${again} ${support}`;
  if (code === "session_missing" || code === "state_mismatch" || code === "browser_mismatch")
    return `This verification could not be matched to your browser session. ${again}`;
  const talking = code?.startsWith("provider_") || code?.startsWith("userinfo") || code?.startsWith("token_exchange");
  return `The verification could not be completed${talking ? ` because of a problem talking to ${provider}` : ""}. Go back to the application and try again later. ${support}`;
}
