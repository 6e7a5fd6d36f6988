"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { ActionFailure, sameGuard, staffFormAction, type FormState } from "../staff/guard";
import { personHref } from "../insight/links";
import { AlreadyErasedError, NotFoundError, erasePerson, erasedAuth0Id, type Erased } from "./erase";

/**
 * "Erase this person" on the person page (admins only): lib/records/erase.ts in
 * the action's transaction, with its audit entry (who, when, the reason, counts;
 * the person's portal id as target, never a personal value). No audit entry, no
 * erasure. The admin types ERASE to confirm: it cannot be undone.
 */

const MIN_REASON = 10;

const eraseSchema = z.object({
  auth0UserId: z.string().trim().min(1, "Whose data?").max(300),
  reason: z
    .string({ error: `Say why (at least ${MIN_REASON} characters, e.g. the request's ticket number).` })
    .trim()
    .min(MIN_REASON, `Give a reason of at least ${MIN_REASON} characters (e.g. the data-protection request's ticket number).`)
    .max(500, "Keep the reason under 500 characters."),
  confirm: z
    .string({ error: "Type ERASE to confirm." })
    .trim()
    .refine((v) => v === "ERASE", "Type ERASE (in capitals) to confirm: the erasure cannot be undone."),
});

const erasePersonAction = staffFormAction("person.erase", "admin", eraseSchema, async (_staff, input, { tx, audit }): Promise<Erased> => {
  let erased: Erased;
  try {
    erased = await erasePerson(tx, input.auth0UserId);
  } catch (err) {
    if (err instanceof NotFoundError) throw new ActionFailure("not_found", "The portal holds no person for this Auth0 user.");
    if (err instanceof AlreadyErasedError) throw new ActionFailure("conflict", "This person is already erased.");
    throw err;
  }
  await audit("person.erase", {
    target: erased.personId,
    reason: input.reason,
    details: {
      records: erased.records,
      identities: erased.identities,
      attempts: erased.attempts,
      auditEntriesRewritten: erased.auditEntriesRewritten,
    },
  });
  return erased;
});

/** After an erasure the Auth0 user id is gone: the page of the tombstone says what is left. */
export const erasePersonForm = sameGuard(async (prev: FormState<Erased>, form: FormData) => {
  const state = await erasePersonAction(prev, form);
  if (state?.ok) redirect(`${personHref(erasedAuth0Id(state.data.personId))}?done=erased`);
  return state;
}, erasePersonAction);

export { erasePersonAction };
