import { getDb } from "../db/client";
import type { Policy } from "../db/generated/client";
import { applicationNames, emailLookups, policyKeyFor, policyLabel, type RecordRow } from "../records";
import { ManagementError, findAuth0Users, managementConfig, type Auth0User } from "../auth0/management";
import { statusFor, type PortalStatus } from "../records/status";
import { personRecords } from "../access";
import { effectiveSettings, listApplications, type EffectiveSettings } from "../settings";
import { explain } from "../support/explanations";
import { listAttempts, type AttemptRow } from "./attempts";
import { headline } from "./failures";

/**
 * Everything the portal knows about one Auth0 user, without personal data:
 * the portal's id for them, their verification records (no sealed fields),
 * their attempts, and for every registered application whether they would
 * pass now — the flow's own rule (lib/records `findReusableVerification`:
 * a verified record of the provider and of the application's policy key,
 * inside the application's interval) — and when re-verification is next due.
 * Records are per policy (identity, each community group): each has its own
 * status, last check and expiry.
 */

const HOUR = 3_600_000;

/** A record as the person page shows it: the list's facts (no personal data) and when it last changed. */
export interface PersonRecord extends Pick<
  RecordRow,
  "id" | "provider" | "status" | "policy" | "policyKey" | "groups" | "lastClientId" | "lastCheckedAt" | "expiresAt"
> {
  updatedAt: Date;
}

export interface PersonAttempt extends AttemptRow {
  applicationName: string | null;
  /** First words of the failure's plain explanation. */
  headline: string | null;
}

export type Decision =
  | { passes: true; record: PersonRecord; nextDue: Date; reason: string }
  | { passes: false; record: PersonRecord | null; nextDue: null; overdueSince: Date | null; reason: string };

export interface ApplicationStatus {
  /** null: any application that is not registered (the global settings). */
  clientId: string | null;
  name: string;
  required: boolean;
  policy: Policy;
  requiredGroup: string | null;
  intervalHours: number;
  decision: Decision;
}

export interface PersonView {
  auth0UserId: string;
  /** erasedAt: when an admin erased the person (lib/records/erase.ts); what is shown is then tombstones. */
  person: { id: string; createdAt: Date; erasedAt: Date | null } | null;
  records: PersonRecord[];
  attempts: PersonAttempt[];
  /** Cursor of older attempts (for listAttempts), null when all are shown. */
  olderAttempts: string | null;
  applications: ApplicationStatus[];
  /** What the Auth0 Action's status check (GET /api/verification/status) answers now. */
  actionStatus: PortalStatus;
  /** The newest check of a record that is still verified. */
  lastSuccessfulCheck: Date | null;
  /** lastSuccessfulCheck + the global interval (null without one, or with interval 0). */
  nextDue: Date | null;
  globalIntervalHours: number;
}

const fmt = (d: Date) => d.toISOString().replace("T", " ").slice(0, 16) + " UTC";

/**
 * Would this person pass the application's check now, without going to the
 * provider? The same rule as the flow (findReusableVerification), plus why not.
 */
export function decide(
  records: readonly PersonRecord[],
  s: Pick<EffectiveSettings, "provider" | "policy" | "requiredGroup" | "intervalHours">,
  now: Date = new Date(),
): Decision {
  const byNewest = [...records].sort((a, b) => b.lastCheckedAt.getTime() - a.lastCheckedAt.getTime());
  const key = policyKeyFor(s);
  const configured = s.policy === "identity" || Boolean(s.requiredGroup);
  // This policy's records with this provider (one per provider identity).
  const fits = configured ? byNewest.filter((r) => r.provider === s.provider && r.policyKey === key) : [];
  const verifiedFits = fits.filter((r) => r.status === "verified");
  if (s.intervalHours <= 0) {
    return {
      passes: false,
      record: verifiedFits[0] ?? null,
      nextDue: null,
      overdueSince: null,
      reason: "The interval is 0 hours: this application verifies at every login.",
    };
  }
  const since = now.getTime() - s.intervalHours * HOUR;
  const reusable = verifiedFits.find((r) => r.lastCheckedAt.getTime() > since);
  if (reusable) {
    const nextDue = new Date(reusable.lastCheckedAt.getTime() + s.intervalHours * HOUR);
    return {
      passes: true,
      record: reusable,
      nextDue,
      reason: `Verified ${fmt(reusable.lastCheckedAt)}, inside the ${s.intervalHours} h interval.`,
    };
  }
  const newest = verifiedFits[0];
  if (newest) {
    const due = new Date(newest.lastCheckedAt.getTime() + s.intervalHours * HOUR);
    return {
      passes: false,
      record: newest,
      nextDue: null,
      overdueSince: due,
      reason: `The last successful check (${fmt(newest.lastCheckedAt)}) is older than the ${s.intervalHours} h interval: due since ${fmt(due)}.`,
    };
  }
  const other = fits[0];
  if (other) {
    const what = s.policy === "identity" ? "the person's identity" : `the “${s.requiredGroup}” group`;
    const reason =
      other.status === "revoked"
        ? `The verification was revoked (${fmt(other.updatedAt)}).`
        : `The provider did not verify ${what} at the last check (${fmt(other.lastCheckedAt)}).`;
    return { passes: false, record: other, nextDue: null, overdueSince: null, reason };
  }
  if (!records.length) return { passes: false, record: null, nextDue: null, overdueSince: null, reason: "No verification yet." };
  const need =
    s.policy === "identity"
      ? "an identity verification"
      : s.requiredGroup
        ? `a verified “${s.requiredGroup}” group`
        : "a community group (none is configured)";
  const provider = records.some((r) => r.provider === s.provider) ? "" : ` with ${s.provider}`;
  const held = [...new Set(records.map((r) => policyLabel(r.policyKey)))].join(", ");
  return {
    passes: false,
    record: null,
    nextDue: null,
    overdueSince: null,
    reason: `No record has ${need}${provider} (records held: ${held}).`,
  };
}

export async function personView(auth0UserId: string, now: Date = new Date()): Promise<PersonView | null> {
  const id = auth0UserId.trim();
  if (!id || id.length > 320) return null;
  const db = await getDb();
  const person = await db.person.findUnique({ where: { auth0UserId: id }, select: { id: true, createdAt: true, erasedAt: true } });
  // The same records the status endpoint decides on (lib/access).
  const records = person ? await personRecords(person.id) : [];
  const page = await listAttempts({ auth0UserId: id }, { size: 50 });
  if (!person && !page.rows.length) return null;

  const names = await applicationNames();
  const attempts: PersonAttempt[] = page.rows.map((a) => ({
    ...a,
    applicationName: a.auth0ClientId ? (names.get(a.auth0ClientId) ?? null) : null,
    headline: a.failureCode ? headline(explain(a.failureCode)?.what) || null : null,
  }));

  const applications: ApplicationStatus[] = [];
  for (const app of await listApplications()) {
    const s = await effectiveSettings(app.clientId);
    applications.push({
      clientId: app.clientId,
      name: app.name,
      required: s.required,
      policy: s.policy,
      requiredGroup: s.requiredGroup,
      intervalHours: s.intervalHours,
      decision: decide(records, s, now),
    });
  }
  const g = await effectiveSettings(null);
  applications.push({
    clientId: null,
    name: "Any other application",
    required: g.required,
    policy: g.policy,
    requiredGroup: g.requiredGroup,
    intervalHours: g.intervalHours,
    decision: decide(records, g, now),
  });

  const lastSuccessfulCheck = records
    .filter((r) => r.status === "verified")
    .reduce<Date | null>((m, r) => (!m || r.lastCheckedAt > m ? r.lastCheckedAt : m), null);
  return {
    auth0UserId: id,
    person,
    records,
    attempts,
    olderAttempts: page.nextCursor,
    applications,
    actionStatus: await statusFor(id, undefined, now),
    lastSuccessfulCheck,
    nextDue: lastSuccessfulCheck && g.intervalHours > 0 ? new Date(lastSuccessfulCheck.getTime() + g.intervalHours * HOUR) : null,
    globalIntervalHours: g.intervalHours,
  };
}

/**
 * The Auth0 user id a lookup term names: an Auth0 user id the portal has seen
 * (a person, or attempts), or the portal's own id for a person (the
 * `https://id-verification/id` claim applications receive). Null when none.
 */
export async function findAuth0UserId(term: string): Promise<string | null> {
  const t = term.trim();
  if (!t || t.length > 320) return null;
  const db = await getDb();
  const person = await db.person.findFirst({ where: { OR: [{ auth0UserId: t }, { id: t }] }, select: { auth0UserId: true } });
  if (person) return person.auth0UserId;
  const attempt = await db.attempt.findFirst({ where: { auth0UserId: t }, select: { auth0UserId: true } });
  return attempt?.auth0UserId ?? null;
}

/** One person a staff search found: where from (Auth0's users, the provider emails in the portal's records, or both). */
export interface FoundPerson {
  auth0UserId: string;
  /** Auth0's profile (when Auth0 search found them). */
  auth0: Auth0User | null;
  /** The provider email of one of the portal's records matched the term. */
  providerEmail: boolean;
  /** The portal holds records or attempts of them. */
  known: boolean;
}

export interface PeopleSearch {
  found: FoundPerson[];
  /** Whether Auth0 search is configured (AUTH0_MANAGEMENT_CLIENT_ID / _SECRET). */
  auth0Search: boolean;
  /** Auth0's refusal or silence, in words for staff (the portal's own matches are still listed). */
  auth0Problem: string | null;
}

/**
 * Everyone an email address or a name may be: Auth0's users with that email
 * or name (Management API, when configured) and, for an address, the people
 * whose records hold it as the provider's email (keyed hash, lib/records).
 */
export async function searchPeople(term: string): Promise<PeopleSearch> {
  const t = term.trim();
  const auth0Search = managementConfig() !== null;
  let auth0: Auth0User[] = [];
  let auth0Problem: string | null = null;
  if (auth0Search && t) {
    try {
      auth0 = await findAuth0Users(t);
    } catch (err) {
      if (!(err instanceof ManagementError)) throw err;
      auth0Problem = err.message;
    }
  }
  const db = await getDb();
  const byEmail = t.includes("@")
    ? await db.verificationRecord.findMany({
        where: { emailLookup: { in: emailLookups(t) } },
        select: { auth0UserId: true },
        distinct: ["auth0UserId"],
        take: 20,
      })
    : [];
  const ids = [...new Set([...auth0.map((u) => u.userId), ...byEmail.map((r) => r.auth0UserId)])];
  const [people, attempts] = ids.length
    ? await Promise.all([
        db.person.findMany({ where: { auth0UserId: { in: ids } }, select: { auth0UserId: true } }),
        db.attempt.findMany({ where: { auth0UserId: { in: ids } }, select: { auth0UserId: true }, distinct: ["auth0UserId"] }),
      ])
    : [[], []];
  const known = new Set([...people, ...attempts].map((p) => p.auth0UserId));
  const providerEmails = new Set(byEmail.map((r) => r.auth0UserId));
  const found = ids.map((id) => ({
    auth0UserId: id,
    auth0: auth0.find((u) => u.userId === id) ?? null,
    providerEmail: providerEmails.has(id),
    known: known.has(id),
  }));
  return { found, auth0Search, auth0Problem };
}
