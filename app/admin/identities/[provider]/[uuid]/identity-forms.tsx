"use client";

import { useActionState, useId } from "react";
import { moveIdentity, unlinkIdentity } from "@/lib/records/link";
import { btn } from "../../../_ui/kit";
import { DangerButton, DangerFold, FormProblem, ReasonAndConfirm, typedValues } from "../../../_support/ReasonConfirm";

/**
 * "Move to this account" and "Unlink" on the linked identity page: each asks
 * for a reason (at least 10 characters, written to the audit log with the
 * change). Done, the action sends the browser to the page again with
 * `?done=moved|unlinked` (the form itself is gone then: the account is no
 * longer refused, or nothing is linked), and the page says what happened.
 */

interface Target {
  provider: string;
  providerUuid: string;
  /** The person the identity is linked to as the page was shown. */
  fromPersonId: string;
}

const HINT = "At least 10 characters: the ticket number and what the person showed you.";

function Hidden({ target }: { target: Target }) {
  return (
    <>
      <input type="hidden" name="provider" value={target.provider} />
      <input type="hidden" name="providerUuid" value={target.providerUuid} />
      <input type="hidden" name="fromPersonId" value={target.fromPersonId} />
    </>
  );
}

export function MoveForm({ target, toPersonId, auth0UserId }: { target: Target; toPersonId: string; auth0UserId: string }) {
  const [state, action, pending] = useActionState(moveIdentity, null);
  const id = useId();
  const errors = state && !state.ok ? state.error : null;
  return (
    <form action={action} className="space-y-3" noValidate aria-label={`Move the identity to ${auth0UserId}`}>
      <Hidden target={target} />
      <input type="hidden" name="toPersonId" value={toPersonId} />
      <ReasonAndConfirm id={id} errors={errors} typed={typedValues(state?.values)} hint={HINT} rows={2} />
      <FormProblem errors={errors} />
      <button className={btn.primary} disabled={pending}>
        {pending ? "Moving…" : "Move to this account"}
      </button>
    </form>
  );
}

export function UnlinkForm({ target }: { target: Target }) {
  const [state, action, pending] = useActionState(unlinkIdentity, null);
  const id = useId();
  const errors = state && !state.ok ? state.error : null;
  return (
    <DangerFold summary="Unlink this identity…" open={Boolean(errors)}>
      <form action={action} className="mt-3 space-y-3" noValidate>
        <Hidden target={target} />
        <p className="text-sm text-slate-700">
          The identity is linked to nobody afterwards and its records (every policy) are removed: this account must verify again, and the
          next person to verify with this identity is linked to it.
        </p>
        <ReasonAndConfirm id={id} errors={errors} typed={typedValues(state?.values)} hint={HINT} rows={2} />
        <FormProblem errors={errors} />
        <DangerButton pending={pending} label="Unlink identity" busy="Unlinking…" />
      </form>
    </DangerFold>
  );
}
