import { getDb } from "../db/client";
import { openPersonalData, type PersonalData } from "./index";

/**
 * Subject access: everything the portal holds about one person, as one JSON
 * document, sealed data opened (GET /api/admin/people/<person id>/export, admins,
 * audited before anything is sent). The person, their provider identities, every
 * record with its attributes, raw provider answer and ID token claims, every
 * attempt with its timeline, and the audit entries about them.
 */

export interface SubjectAccessDocument {
  kind: "idv-portal subject access";
  generatedAt: string;
  person: { id: string; auth0UserId: string; createdAt: string; erasedAt: string | null };
  providerIdentities: { provider: string; providerUuid: string; linkedAt: string }[];
  records: (Record<string, unknown> & { personalData: PersonalData | { unreadable: string } })[];
  attempts: Record<string, unknown>[];
  auditEntries: Record<string, unknown>[];
}

// Protocol secrets of an attempt in flight: about the trip, not the person, and never handed out.
const ATTEMPT_SECRETS = new Set(["oauthState", "nonce", "codeVerifier", "auth0State", "browserHash"]);

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The document for the person with this portal id; null when there is none. */
export async function subjectAccess(personId: string): Promise<SubjectAccessDocument | null> {
  const db = await getDb();
  const person = await db.person.findUnique({ where: { id: personId } });
  if (!person) return null;
  const identities = await db.providerIdentity.findMany({ where: { personId }, orderBy: { createdAt: "asc" } });
  const records = await db.verificationRecord.findMany({ where: { personId }, orderBy: { createdAt: "asc" } });
  const attempts = await db.attempt.findMany({
    where: { OR: [{ personId }, { auth0UserId: person.auth0UserId }] },
    include: { events: { orderBy: { at: "asc" } } },
    orderBy: { createdAt: "asc" },
  });
  const targets = [personId, person.auth0UserId, ...records.map((r) => r.id), ...identities.map((i) => `${i.provider}:${i.providerUuid}`)];
  const like = `%${personId.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const auditIds = await db.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM audit_event WHERE target = ANY(${targets}::text[]) OR details::text LIKE ${like}`;
  const audit = await db.auditEvent.findMany({ where: { id: { in: auditIds.map((a) => a.id) } }, orderBy: { id: "asc" } });

  return {
    kind: "idv-portal subject access",
    generatedAt: new Date().toISOString(),
    person: { id: person.id, auth0UserId: person.auth0UserId, createdAt: person.createdAt.toISOString(), erasedAt: iso(person.erasedAt) },
    providerIdentities: identities.map((i) => ({
      provider: i.provider,
      providerUuid: i.providerUuid,
      linkedAt: i.createdAt.toISOString(),
    })),
    records: records.map(({ attributesEnc, rawUserinfoEnc, idTokenEnc, emailLookup: _lookup, ...r }) => {
      let personalData: PersonalData | { unreadable: string };
      try {
        personalData = openPersonalData({ id: r.id, attributesEnc, rawUserinfoEnc, idTokenEnc });
      } catch (err) {
        personalData = { unreadable: (err as Error).message };
      }
      return {
        ...r,
        lastCheckedAt: iso(r.lastCheckedAt),
        expiresAt: iso(r.expiresAt),
        createdAt: iso(r.createdAt),
        updatedAt: iso(r.updatedAt),
        personalData,
      };
    }),
    attempts: attempts.map((a) => ({
      ...Object.fromEntries(Object.entries(a).filter(([k]) => !ATTEMPT_SECRETS.has(k) && k !== "events")),
      events: a.events.map((e) => ({ ...e, id: String(e.id), attemptId: undefined })),
    })),
    auditEntries: audit.map((e) => ({ ...e, id: String(e.id) })),
  };
}
