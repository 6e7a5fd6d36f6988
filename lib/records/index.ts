import { createHmac } from "node:crypto";
import { getDb } from "../db/client";
import { Prisma, type VerificationRecord } from "../db/generated/client";
import { openJson, sealJson } from "../crypto/seal";
import { newId } from "../flow/reference";
import { encryptionKey, type EffectiveSettings } from "../settings";
import type { GroupStatus, NormalizedAttributes, ParsedUserinfo } from "../idme/userinfo";

/**
 * The one door for personal data. Verification records keep the normalized
 * attributes, the raw userinfo answer and the ID token claims sealed with
 * AES-256-GCM (bound to the record id and field); only this module seals or
 * opens them. Groups hold no personal data and stay readable for queries.
 */

const aad = (recordId: string, field: string) => `verification_record:${recordId}:${field}`;

/** A keyed hash of an email address, so records can be found by email without storing it in clear. */
export function emailLookup(email: string): string {
  return createHmac("sha256", encryptionKey()).update(`email:${email.trim().toLowerCase()}`).digest("hex");
}

export async function ensurePerson(auth0UserId: string) {
  const db = await getDb();
  const existing = await db.person.findUnique({ where: { auth0UserId } });
  if (existing) return existing;
  try {
    return await db.person.create({ data: { id: newId("idv"), auth0UserId } });
  } catch (err) {
    // Two tabs of the same login racing: the other one created it.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      return db.person.findUniqueOrThrow({ where: { auth0UserId } });
    }
    throw err;
  }
}

function groupsOf(record: Pick<VerificationRecord, "groups">): GroupStatus[] {
  return Array.isArray(record.groups) ? (record.groups as unknown as GroupStatus[]) : [];
}

export function verifiedGroups(record: Pick<VerificationRecord, "groups">): string[] {
  return [
    ...new Set(
      groupsOf(record)
        .filter((g) => g.verified === true)
        .map((g) => g.group),
    ),
  ];
}

/** Does this record satisfy what the application asks for? */
export function satisfies(
  record: Pick<VerificationRecord, "status" | "policy" | "groups">,
  s: Pick<EffectiveSettings, "policy" | "requiredGroup">,
): boolean {
  if (record.status !== "verified") return false;
  if (s.policy === "identity") return record.policy === "identity";
  return s.requiredGroup !== null && verifiedGroups(record).includes(s.requiredGroup);
}

/** The person's last successful check that is still inside the interval and fits the policy. */
export async function findReusableVerification(personId: string, s: EffectiveSettings, now = new Date()) {
  if (s.intervalHours <= 0) return null;
  const db = await getDb();
  const since = new Date(now.getTime() - s.intervalHours * 3_600_000);
  const candidates = await db.verificationRecord.findMany({
    where: { personId, provider: s.provider, status: "verified", lastCheckedAt: { gt: since } },
    orderBy: { lastCheckedAt: "desc" },
  });
  return candidates.find((r) => satisfies(r, s)) ?? null;
}

export interface SaveInput {
  personId: string;
  auth0UserId: string;
  auth0ClientId: string | null;
  provider: string;
  policy: EffectiveSettings["policy"];
  intervalHours: number;
  parsed: Pick<ParsedUserinfo, "uuid" | "normalized" | "groups"> & Partial<ParsedUserinfo>;
  rawUserinfo: unknown;
  idTokenClaims: Record<string, unknown> | null;
  verified: boolean;
  checkedAt: Date;
}

export class LinkedElsewhereError extends Error {
  constructor() {
    super("this provider identity is already linked to another Auth0 user");
    this.name = "LinkedElsewhereError";
  }
}

/** Creates or refreshes the record for (provider, uuid). */
export async function saveVerification(input: SaveInput): Promise<VerificationRecord> {
  const db = await getDb();
  const key = encryptionKey();
  const where = { provider_providerUuid: { provider: input.provider, providerUuid: input.parsed.uuid } };
  const existing = await db.verificationRecord.findUnique({ where });
  if (existing && existing.personId !== input.personId) throw new LinkedElsewhereError();
  const id = existing?.id ?? newId("rec");
  const data = {
    auth0UserId: input.auth0UserId,
    status: input.verified ? ("verified" as const) : ("not_verified" as const),
    policy: input.policy,
    groups: input.parsed.groups as unknown as Prisma.InputJsonValue,
    attributesEnc: sealJson(input.parsed.normalized, key, aad(id, "attributes")),
    rawUserinfoEnc: sealJson(input.rawUserinfo, key, aad(id, "raw_userinfo")),
    idTokenEnc: input.idTokenClaims ? sealJson(input.idTokenClaims, key, aad(id, "id_token_claims")) : null,
    emailLookup: input.parsed.normalized.email ? emailLookup(input.parsed.normalized.email) : null,
    lastClientId: input.auth0ClientId,
    lastCheckedAt: input.checkedAt,
    expiresAt: new Date(input.checkedAt.getTime() + input.intervalHours * 3_600_000),
  };
  if (existing) return db.verificationRecord.update({ where: { id }, data });
  return db.verificationRecord.create({
    data: { id, provider: input.provider, providerUuid: input.parsed.uuid, personId: input.personId, ...data },
  });
}

export interface PersonalData {
  attributes: NormalizedAttributes;
  rawUserinfo: unknown;
  idTokenClaims: Record<string, unknown> | null;
}

/** Opens the sealed fields of a record. Callers decide who may see them. */
export function openPersonalData(record: Pick<VerificationRecord, "id" | "attributesEnc" | "rawUserinfoEnc" | "idTokenEnc">): PersonalData {
  const key = encryptionKey();
  return {
    attributes: openJson<NormalizedAttributes>(record.attributesEnc, key, aad(record.id, "attributes")),
    rawUserinfo: openJson(record.rawUserinfoEnc, key, aad(record.id, "raw_userinfo")),
    idTokenClaims: record.idTokenEnc ? openJson<Record<string, unknown>>(record.idTokenEnc, key, aad(record.id, "id_token_claims")) : null,
  };
}
