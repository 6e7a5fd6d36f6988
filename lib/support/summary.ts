import type { Explanation } from "./explanations";

/**
 * The troubleshooting summary support staff copy into a ticket: what
 * happened to one attempt, in plain words, with its timeline. It is built
 * from a whitelist of the attempt's fields, never from whatever the caller
 * passes, so no personal data can slip in (no names, emails, birth dates,
 * addresses or provider answers). Free text from the timeline is scrubbed of
 * anything that looks like an email, a date of birth, a long number or a
 * token. The Auth0 user id is shown to admins and masked for support.
 *
 * Pure (no server imports): the pages build it, the "Copy summary" button
 * copies it, and the server action `recordSummaryCopied`
 * (app/admin/_support/actions.ts) writes the copy to the audit log.
 */

export type SummaryRole = "admin" | "support";

/** The fields of an attempt the summary reads (anything else is ignored). */
export interface SummaryAttempt {
  referenceCode: string;
  status: string;
  createdAt: Date;
  updatedAt?: Date | null;
  resumedAt?: Date | null;
  returnStatus?: string | null;
  auth0UserId?: string | null;
  auth0ClientId?: string | null;
  /** The registered application's name for the client id, when known. */
  applicationName?: string | null;
  provider?: string | null;
  policy?: string | null;
  requiredGroup?: string | null;
  failureStep?: string | null;
  failureCode?: string | null;
}

export interface SummaryEvent {
  step: string;
  outcome: string;
  errorCode?: string | null;
  errorDescription?: string | null;
  at: Date;
}

const WHO: Record<Explanation["who"], string> = {
  person: "the person themselves",
  support: "support staff",
  admin: "a portal admin",
  provider: "the provider (ID.me)",
  developer: "the developers",
};

/** `auth0|64b7f0e2c1a9d3e5f7a9b118` → `auth0|64b…18`: enough to match a ticket, not to look someone up. */
export function maskAuth0UserId(id: string | null | undefined): string {
  if (!id) return "—";
  const cut = id.lastIndexOf("|");
  const prefix = cut >= 0 ? id.slice(0, cut + 1) : "";
  const rest = Array.from(cut >= 0 ? id.slice(cut + 1) : id);
  if (rest.length <= 4) return `${prefix}…`;
  if (rest.length <= 8) return `${prefix}${rest[0]}…${rest.at(-1)}`;
  return `${prefix}${rest.slice(0, 3).join("")}…${rest.slice(-2).join("")}`;
}

/**
 * Free text from the timeline (the portal's own descriptions, and the
 * provider's error description) without anything that looks personal.
 */
export function scrubText(text: string | null | undefined, max = 240): string {
  if (!text) return "";
  let t = text
    .replace(/[\r\n\t]+/g, " ")
    .replace(/eyJ[\w-]+\.[\w-]+(\.[\w-]*)?/g, "[token]")
    .replace(/[^\s@<>()"',;:]+@[^\s@<>()"',;:]+\.[A-Za-z]{2,}/g, "[email]")
    // A date that is not part of a timestamp (a birth date, for example).
    .replace(/\b\d{4}-\d{2}-\d{2}\b(?!T\d)/g, "[date]")
    .replace(/\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/g, "[date]")
    // Phone, social security or card numbers: six digits or more, with separators.
    .replace(/(?<![\w.:-])\+?\d[\d ().-]{4,}\d(?![\w:-])/g, (m) =>
      m.replace(/\D/g, "").length >= 6 && !/^\d{4}-\d{2}-\d{2}/.test(m) ? "[number]" : m,
    );
  t = t.trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const when = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19) + " UTC";

export function attemptSummary(
  attempt: SummaryAttempt,
  events: readonly SummaryEvent[],
  explanation: Explanation | null,
  role: SummaryRole,
): string {
  const a = attempt;
  const lines: string[] = [];
  lines.push("Identity verification – troubleshooting summary");
  lines.push(`Reference code: ${a.referenceCode}`);
  lines.push(`Time: ${when(a.createdAt)}`);
  const app = a.applicationName
    ? `${scrubText(a.applicationName, 80)}${a.auth0ClientId ? ` (client ${a.auth0ClientId})` : ""}`
    : a.auth0ClientId
      ? `client ${a.auth0ClientId}`
      : "— (none named: the login failed before the application was known)";
  lines.push(`Application: ${app}`);
  lines.push(`Auth0 user: ${a.auth0UserId ? (role === "admin" ? a.auth0UserId : maskAuth0UserId(a.auth0UserId)) : "— (not known)"}`);
  if (a.provider || a.policy)
    lines.push(`Provider / policy: ${a.provider ?? "—"} / ${a.policy ?? "—"}${a.requiredGroup ? ` (group ${a.requiredGroup})` : ""}`);
  lines.push(
    `Outcome: ${a.status}${a.returnStatus ? ` (Auth0 was told: ${a.returnStatus})` : ""}${a.resumedAt ? `, returned to Auth0 ${when(a.resumedAt)}` : ", not returned to Auth0"}`,
  );
  if (a.failureCode || a.failureStep) {
    lines.push(`Step: ${a.failureStep ?? "—"}`);
    lines.push(`Code: ${a.failureCode ?? "—"}`);
  }
  if (explanation) {
    lines.push(`What happened: ${explanation.what}`);
    lines.push(`Next step: ${explanation.next}`);
    lines.push(`Who can fix it: ${WHO[explanation.who]}`);
  } else if (a.failureCode) {
    lines.push("What happened: no explanation is known for this code.");
  }
  lines.push("");
  lines.push("Timeline (UTC):");
  const sorted = [...events].sort((x, y) => x.at.getTime() - y.at.getTime());
  if (!sorted.length) lines.push("  (no events recorded)");
  for (const e of sorted) {
    const detail = [e.errorCode ?? "", scrubText(e.errorDescription)].filter(Boolean).join(" – ");
    lines.push(`  ${e.at.toISOString().replace("T", " ").slice(0, 19)}  ${e.step}  ${e.outcome}${detail ? `  ${detail}` : ""}`);
  }
  return lines.join("\n");
}
