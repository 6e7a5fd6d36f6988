import { createHmac } from "node:crypto";
import { getDb, type DbClient, type Tx } from "../db/client";
import { Prisma, type Person, type Policy, type VerificationRecord } from "../db/generated/client";
import { openJson, ringKeys, sealJson } from "../crypto/seal";
import { newId } from "../flow/reference";
import { encryptionKey, keyRing } from "../settings/secrets";
import type { EffectiveSettings } from "../settings";
import type { GroupStatus, NormalizedAttributes } from "../providers/vocabulary";

/**
 * The one door for personal data. Verification records keep the normalized
 * attributes, the raw userinfo answer and the ID token claims sealed with
 * AES-256-GCM (bound to the record id and field); only this module seals or
 * opens them. Groups hold no personal data and stay readable for queries.
 *
 * A record holds one policy's facts for one provider identity: its key is
 * (provider, provider uuid, policy key), the policy key `identity` or
 * `community:<group>`. Which person a provider identity belongs to is said in
 * one place, the provider_identity table; records repeat the person (and the
 * Auth0 user) for the list queries, kept in step by a foreign key.
 */

export const aad = (recordId: string, field: string) => `verification_record:${recordId}:${field}`;

const lookupUnder = (key: Buffer, email: string) => createHmac("sha256", key).update(`email:${email.trim().toLowerCase()}`).digest("hex");

/** A keyed hash of an email address (active key), so records can be found by email without storing it in clear. */
export function emailLookup(email: string): string {
  return lookupUnder(encryptionKey(), email);
}

/**
 * The email's lookup under every key of the ring, the active one first: during a
 * re-seal some records still carry the lookup made with an older key.
 */
export function emailLookups(email: string): string[] {
  return ringKeys(keyRing()).map((key) => lookupUnder(key, email));
}

/** The portal's person for an Auth0 user, created on first sight (conflict-proof: parallel first logins get the same one). */
export async function ensurePerson(auth0UserId: string, client?: DbClient): Promise<Person> {
  const db = client ?? (await getDb());
  // One statement whether the person is new or known: INSERT … ON CONFLICT DO NOTHING (whoever
  // inserts first wins, nobody fails), else the row that is there.
  const [row] = await db.$queryRaw<Person[]>`
    WITH created AS (
      INSERT INTO person (id, auth0_user_id, created_at) VALUES (${newId("idv")}, ${auth0UserId}, ${new Date().toISOString()}::timestamptz)
      ON CONFLICT DO NOTHING
      RETURNING id, auth0_user_id AS "auth0UserId", created_at AS "createdAt", erased_at AS "erasedAt"
    )
    SELECT * FROM created
    UNION ALL
    SELECT id, auth0_user_id, created_at, erased_at FROM person WHERE auth0_user_id = ${auth0UserId}
    LIMIT 1`;
  // Nothing: another request inserted the person after this statement's snapshot was taken.
  return row ?? db.person.findUniqueOrThrow({ where: { auth0UserId } });
}

/** What a policy's facts are kept under: `identity`, or `community:<group>`. */
export function policyKey(policy: Policy, requiredGroup: string | null | undefined): string {
  return policy === "identity" ? "identity" : `community:${requiredGroup || "unknown"}`;
}

/** The policy key an application (its effective settings) asks for. */
export function policyKeyFor(s: Pick<EffectiveSettings, "policy" | "requiredGroup">): string {
  return policyKey(s.policy, s.requiredGroup);
}

/** A policy key for people: "identity", "community: military". */
export function policyLabel(key: string): string {
  return key.startsWith("community:") ? `community: ${key.slice("community:".length)}` : key;
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

/** Does this record satisfy what the application asks for? A verified record of the application's policy key. */
export function satisfies(
  record: Pick<VerificationRecord, "status" | "policyKey">,
  s: Pick<EffectiveSettings, "policy" | "requiredGroup">,
): boolean {
  if (record.status !== "verified") return false;
  if (s.policy === "community" && !s.requiredGroup) return false;
  return record.policyKey === policyKeyFor(s);
}

/** The person's last successful check of the application's policy that is still inside the interval. */
export async function findReusableVerification(personId: string, s: EffectiveSettings, now = new Date(), client?: DbClient) {
  if (s.intervalHours <= 0) return null;
  if (s.policy === "community" && !s.requiredGroup) return null;
  const db = client ?? (await getDb());
  const since = new Date(now.getTime() - s.intervalHours * 3_600_000);
  return db.verificationRecord.findFirst({
    where: { personId, provider: s.provider, policyKey: policyKeyFor(s), status: "verified", lastCheckedAt: { gt: since } },
    orderBy: { lastCheckedAt: "desc" },
  });
}

export interface SaveInput {
  personId: string;
  auth0UserId: string;
  auth0ClientId: string | null;
  provider: string;
  policy: EffectiveSettings["policy"];
  /** The community group the check was about (null for identity). */
  requiredGroup: string | null;
  intervalHours: number;
  /** What the provider answered, in the portal's vocabulary (extra fields are ignored). */
  parsed: { uuid: string; normalized: NormalizedAttributes; groups: GroupStatus[]; [extra: string]: unknown };
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

/**
 * Links the provider identity to the person when it is new, else checks it is
 * theirs; the link row stays locked until the transaction ends, so saves for
 * one identity queue one after the other. Two first verifications of one
 * identity at once: the second waits for the first, then finds it linked to
 * someone else (LinkedElsewhereError), never a unique-key failure.
 */
async function claimIdentity(tx: Tx, provider: string, providerUuid: string, personId: string): Promise<void> {
  await tx.providerIdentity.createMany({ data: [{ provider, providerUuid, personId }], skipDuplicates: true });
  const [link] = await tx.$queryRaw<{ person_id: string }[]>`
    SELECT person_id FROM provider_identity WHERE provider = ${provider} AND provider_uuid = ${providerUuid} FOR UPDATE`;
  if (!link || link.person_id !== personId) throw new LinkedElsewhereError();
}

/**
 * Creates or refreshes the record of (provider, uuid, policy key), inside the
 * caller's transaction. A check of one policy never touches another's record.
 */
export async function saveVerification(input: SaveInput, tx: Tx): Promise<VerificationRecord> {
  const key = keyRing();
  await claimIdentity(tx, input.provider, input.parsed.uuid, input.personId);
  const pk = policyKey(input.policy, input.requiredGroup);
  const existing = await tx.verificationRecord.findUnique({
    where: { provider_providerUuid_policyKey: { provider: input.provider, providerUuid: input.parsed.uuid, policyKey: pk } },
    select: { id: true },
  });
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
  if (existing) return tx.verificationRecord.update({ where: { id }, data });
  return tx.verificationRecord.create({
    data: { id, provider: input.provider, providerUuid: input.parsed.uuid, personId: input.personId, policyKey: pk, ...data },
  });
}

export interface PersonalData {
  attributes: NormalizedAttributes;
  rawUserinfo: unknown;
  idTokenClaims: Record<string, unknown> | null;
}

/** The record's sealed data was cleared under the retention settings (lib/lifecycle/purge.ts): nothing to open. */
export class PurgedError extends Error {
  constructor() {
    super("this record's personal data was purged");
    this.name = "PurgedError";
  }
}

/** Opens the sealed fields of a record. Callers decide who may see them. A raw answer purged on its own opens as null. */
export function openPersonalData(record: Pick<VerificationRecord, "id" | "attributesEnc" | "rawUserinfoEnc" | "idTokenEnc">): PersonalData {
  const key = keyRing();
  if (record.attributesEnc === null) throw new PurgedError();
  return {
    attributes: openJson<NormalizedAttributes>(record.attributesEnc, key, aad(record.id, "attributes")),
    rawUserinfo: record.rawUserinfoEnc === null ? null : openJson(record.rawUserinfoEnc, key, aad(record.id, "raw_userinfo")),
    idTokenClaims: record.idTokenEnc ? openJson<Record<string, unknown>>(record.idTokenEnc, key, aad(record.id, "id_token_claims")) : null,
  };
}

// The read side for the admin pages, one concern per file: the list and how it is
// planned, attempts, one record, and the pages' small look-ups.
export * from "./list";
export * from "./planner";
export * from "./attempts";
export * from "./detail";
export * from "./lookup";
