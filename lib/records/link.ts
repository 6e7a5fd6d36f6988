"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import type { Tx } from "../db/client";
import { identityHref } from "../insight/links";
import { ActionFailure, sameGuard, staffFormAction, type FormState } from "../staff/guard";
import { LINKED_ELSEWHERE } from "./detail";

/**
 * Support resolves a provider identity linked to the wrong Auth0 user (a
 * verification link opened in someone else's login, two accounts of one
 * person): "move to this account" or "unlink", each with a stated reason,
 * written to the audit log in the same transaction as the change.
 *
 * Support may do it, not only admins: a locked-out person rings support, and
 * the move is bounded — an identity moves only to an Auth0 user that came back
 * from the provider with that very identity and was refused
 * (`uuid_linked_to_other_user`), so nobody can hand a verification to an
 * account that never proved it holds the identity. Unlink only takes away.
 *
 * The link lives in provider_identity; the records follow it (a foreign key
 * cascades the person; the Auth0 user id is updated here). The form carries
 * the person the staff member saw the identity linked to: if it changed
 * meanwhile, nothing is done. Done, the browser goes to the identity's page
 * again (`?done=moved|unlinked`), which says what happened beside the new link.
 */

const MIN_REASON = 10;

const base = {
  provider: z.string().trim().min(1, "Which provider?").max(64),
  providerUuid: z.string().trim().min(1, "Which provider identity?").max(200),
  /** The person the identity was linked to when the page was shown. */
  fromPersonId: z.string().trim().min(1).max(200),
  reason: z
    .string({ error: `Say why (at least ${MIN_REASON} characters, e.g. the ticket number).` })
    .trim()
    .min(MIN_REASON, `Give a reason of at least ${MIN_REASON} characters (e.g. the ticket number and what the person showed you).`)
    .max(500, "Keep the reason under 500 characters."),
};

const moveSchema = z.object({ ...base, toPersonId: z.string().trim().min(1, "Which account?").max(200) });
const unlinkSchema = z.object(base);

export interface IdentityMoved {
  provider: string;
  providerUuid: string;
  to: { personId: string; auth0UserId: string };
  records: number;
}

export interface IdentityUnlinked {
  provider: string;
  providerUuid: string;
  recordsRemoved: number;
}

/** The link, locked for the rest of the transaction; refuses when it is not where the staff member saw it. */
async function lockLink(tx: Tx, provider: string, providerUuid: string, fromPersonId: string) {
  const [link] = await tx.$queryRaw<{ person_id: string }[]>`
    SELECT person_id FROM provider_identity WHERE provider = ${provider} AND provider_uuid = ${providerUuid} FOR UPDATE`;
  if (!link) throw new ActionFailure("not_found", "This provider identity is not linked to anyone (any more): nothing was changed.");
  if (link.person_id !== fromPersonId)
    throw new ActionFailure("conflict", "The identity's link changed while you were looking. Reload the page and check again.");
  const records = await tx.verificationRecord.findMany({
    where: { provider, providerUuid },
    select: { id: true, policyKey: true, status: true, lastCheckedAt: true, auth0UserId: true },
    orderBy: { policyKey: "asc" },
  });
  const from = await tx.person.findUniqueOrThrow({ where: { id: fromPersonId }, select: { id: true, auth0UserId: true } });
  return { from, records };
}

const recordFacts = (records: { id: string; policyKey: string; status: string; lastCheckedAt: Date }[]) =>
  records.map((r) => ({ id: r.id, policyKey: r.policyKey, status: r.status, lastCheckedAt: r.lastCheckedAt.toISOString() }));

const moveIdentityAction = staffFormAction(
  "identity.move",
  "support",
  moveSchema,
  async (_staff, input, { tx, audit }): Promise<IdentityMoved> => {
    const { provider, providerUuid } = input;
    if (input.toPersonId === input.fromPersonId) throw new ActionFailure("conflict", "The identity is already linked to this account.");
    const { from, records } = await lockLink(tx, provider, providerUuid, input.fromPersonId);
    // Only to an account that came back from the provider with this identity and was refused.
    const claim = await tx.attempt.findFirst({
      where: { provider, providerUuid, personId: input.toPersonId, failureCode: LINKED_ELSEWHERE },
      select: { person: { select: { id: true, auth0UserId: true } } },
    });
    const to = claim?.person;
    if (!to)
      throw new ActionFailure(
        "conflict",
        "This account never came back from the provider with this identity, so the identity cannot be moved to it.",
      );
    // The records follow the link (foreign key, ON UPDATE CASCADE); their Auth0 user id is set here.
    await tx.providerIdentity.update({ where: { provider_providerUuid: { provider, providerUuid } }, data: { personId: to.id } });
    await tx.verificationRecord.updateMany({ where: { provider, providerUuid }, data: { auth0UserId: to.auth0UserId } });
    await audit("identity.move", {
      target: `${provider}:${providerUuid}`,
      reason: input.reason,
      details: {
        provider,
        providerUuid,
        from: { person: from.id, auth0UserId: from.auth0UserId },
        to: { person: to.id, auth0UserId: to.auth0UserId },
        records: recordFacts(records),
      },
    });
    return { provider, providerUuid, to: { personId: to.id, auth0UserId: to.auth0UserId }, records: records.length };
  },
);

const unlinkIdentityAction = staffFormAction(
  "identity.unlink",
  "support",
  unlinkSchema,
  async (_staff, input, { tx, audit }): Promise<IdentityUnlinked> => {
    const { provider, providerUuid } = input;
    const { from, records } = await lockLink(tx, provider, providerUuid, input.fromPersonId);
    // The identity's records go with the link (their attempts keep their timelines, without the record).
    await tx.verificationRecord.deleteMany({ where: { provider, providerUuid } });
    await tx.providerIdentity.delete({ where: { provider_providerUuid: { provider, providerUuid } } });
    await audit("identity.unlink", {
      target: `${provider}:${providerUuid}`,
      reason: input.reason,
      details: { provider, providerUuid, from: { person: from.id, auth0UserId: from.auth0UserId }, recordsRemoved: recordFacts(records) },
    });
    return { provider, providerUuid, recordsRemoved: records.length };
  },
);

/** The page again after a change: the forms of the old link are gone, so the page itself says what happened. */
function afterwards<T>(state: FormState<T>, input: FormData, done: "moved" | "unlinked"): FormState<T> {
  if (state?.ok) redirect(`${identityHref(String(input.get("provider")), String(input.get("providerUuid")))}?done=${done}`);
  return state;
}

export const moveIdentity = sameGuard(
  async (prev: FormState<IdentityMoved>, form: FormData) => afterwards(await moveIdentityAction(prev, form), form, "moved"),
  moveIdentityAction,
);

export const unlinkIdentity = sameGuard(
  async (prev: FormState<IdentityUnlinked>, form: FormData) => afterwards(await unlinkIdentityAction(prev, form), form, "unlinked"),
  unlinkIdentityAction,
);
