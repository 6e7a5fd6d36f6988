import { randomBytes } from "node:crypto";
import type { Tx } from "../db/client";
import { sealJson } from "../crypto/seal";
import { keyRing } from "../settings/secrets";
import { aad } from "./index";
import { enqueueAuth0Push } from "../auth0/push";
import { emitErased } from "../events/emit";

/**
 * Erasure of a person (admin, lib/records/erase-action.ts): every personal value
 * the portal holds about them goes, inside the caller's transaction, and what is
 * left are non-personal tombstones that keep the counts and the audit trail true:
 *
 * - person: kept (its id is what audit entries name), auth0_user_id becomes
 *   "erased:<person id>", erased_at is set. The Auth0 user is then unknown to the
 *   portal: the status endpoint answers "none" without an id, so the Auth0 Action
 *   drops the stored check and id at the next login, and a new login starts afresh.
 * - provider identities: the provider uuid becomes a random "erased-…" tombstone
 *   (the records follow through their foreign key), and so does every attempt and
 *   audit entry that named it; one tombstone per identity, so counts per identity stay.
 * - records: status, policy, groups, dates stay (the verification counts); the sealed
 *   attributes, raw provider answer and ID token claims are replaced by an empty
 *   sealed value, the email lookup is dropped.
 * - attempts: the Auth0 user id is the tombstone; the account hint, browser hash,
 *   Auth0 transaction state and the protocol values (state, nonce, verifier) go.
 * - audit entries: the Auth0 user id and provider uuids in their target and details
 *   become the tombstones (what happened, by whom, stays).
 */

export const erasedAuth0Id = (personId: string) => `erased:${personId}`;
const tombstoneUuid = () => `erased-${randomBytes(12).toString("hex")}`;

export interface Erased {
  personId: string;
  records: number;
  identities: number;
  attempts: number;
  auditEntriesRewritten: number;
}

export class NotFoundError extends Error {}
export class AlreadyErasedError extends Error {}

/** A string as it appears inside a JSON string literal (for replacing it in jsonb text). */
const inJson = (v: string) => JSON.stringify(v).slice(1, -1);

async function rewriteAudit(tx: Tx, from: string, to: string): Promise<number> {
  const like = `%${from.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const likeJson = `%${inJson(from).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return tx.$executeRaw`
    UPDATE audit_event SET
      target = replace(target, ${from}, ${to}),
      reason = replace(reason, ${from}, ${to}),
      details = replace(details::text, ${inJson(from)}, ${inJson(to)})::jsonb
    WHERE target LIKE ${like} OR reason LIKE ${like} OR details::text LIKE ${likeJson}`;
}

/** Erases the person of this Auth0 user, in `tx` (locks the person row first, so two erasures queue). */
export async function erasePerson(tx: Tx, auth0UserId: string): Promise<Erased> {
  const [person] = await tx.$queryRaw<{ id: string; erased_at: Date | null }[]>`
    SELECT id, erased_at FROM person WHERE auth0_user_id = ${auth0UserId} FOR UPDATE`;
  if (!person) throw new NotFoundError("no person with that Auth0 user id");
  if (person.erased_at) throw new AlreadyErasedError("already erased");
  const personId = person.id;
  const tomb = erasedAuth0Id(personId);
  const ring = keyRing();

  // Provider identities: a tombstone uuid each; records follow (ON UPDATE CASCADE), attempts are set here.
  const identities = await tx.providerIdentity.findMany({ where: { personId }, select: { provider: true, providerUuid: true } });
  let auditEntriesRewritten = 0;
  for (const identity of identities) {
    const t = tombstoneUuid();
    await tx.providerIdentity.update({
      where: { provider_providerUuid: { provider: identity.provider, providerUuid: identity.providerUuid } },
      data: { providerUuid: t },
    });
    await tx.attempt.updateMany({ where: { provider: identity.provider, providerUuid: identity.providerUuid }, data: { providerUuid: t } });
    auditEntriesRewritten += await rewriteAudit(tx, identity.providerUuid, t);
  }

  // Records: the sealed personal data replaced by empty sealed values (each bound to its record, as ever).
  const records = await tx.verificationRecord.findMany({ where: { personId }, select: { id: true } });
  for (const r of records) {
    await tx.verificationRecord.update({
      where: { id: r.id },
      data: {
        attributesEnc: sealJson({}, ring, aad(r.id, "attributes")),
        rawUserinfoEnc: sealJson(null, ring, aad(r.id, "raw_userinfo")),
        idTokenEnc: null,
        emailLookup: null,
        auth0UserId: tomb,
      },
    });
  }

  // Attempts: who and which browser, and the protocol values of the trip, go; the timeline stays.
  const attempts = await tx.attempt.updateMany({
    where: { OR: [{ personId }, { auth0UserId }] },
    data: {
      auth0UserId: tomb,
      accountHint: null,
      browserHash: null,
      auth0State: null,
      oauthState: null,
      nonce: null,
      codeVerifier: null,
    },
  });
  // An identity the provider answered with that was linked to someone else is theirs, not this person's to keep.
  await tx.attempt.updateMany({
    where: { personId, providerUuid: { not: null }, NOT: { providerUuid: { startsWith: "erased-" } } },
    data: { providerUuid: null },
  });

  auditEntriesRewritten += await rewriteAudit(tx, auth0UserId, tomb);
  await tx.person.update({ where: { id: personId }, data: { auth0UserId: tomb, erasedAt: new Date() } });
  // Optional (README "Revocation pushed to Auth0"): Auth0 drops the stored check after this transaction commits.
  await enqueueAuth0Push(tx, { auth0UserId, cause: "erase", personId });
  await emitErased(tx, { personId, auth0UserId });
  return { personId, records: records.length, identities: identities.length, attempts: attempts.count, auditEntriesRewritten };
}
