"use client";

import { useActionState, useId } from "react";
import { moveIdentity, unlinkIdentity } from "@/lib/records/link";
import type { FormState } from "@/lib/staff/guard";
import { Field, btn, input } from "../../../_ui/kit";

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

function ReasonField({ id, errors, typed }: { id: string; errors?: string[]; typed: string }) {
  return (
    <Field
      name={id}
      label="Reason (written to the audit log)"
      hint="At least 10 characters: the ticket number and what the person showed you."
      errors={errors}
    >
      <textarea
        id={id}
        name="reason"
        required
        minLength={10}
        maxLength={500}
        rows={2}
        defaultValue={typed}
        className={input}
        aria-invalid={errors ? true : undefined}
        aria-describedby={`${id}-hint${errors ? ` ${id}-error` : ""}`}
      />
    </Field>
  );
}

/** The reason field with what was typed kept, and the action's refusal when it is not about the reason. */
function Reason({ state }: { state: FormState<unknown> }) {
  const id = useId();
  const errors = state && !state.ok ? state.error : null;
  return (
    <>
      <ReasonField
        id={`${id}-reason`}
        errors={errors?.fieldErrors?.reason}
        typed={typeof state?.values?.reason === "string" ? state.values.reason : ""}
      />
      {errors && !errors.fieldErrors?.reason ? (
        <p role="alert" className="text-sm text-rose-700">
          {errors.message}
        </p>
      ) : null}
    </>
  );
}

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
  return (
    <form action={action} className="space-y-3" noValidate aria-label={`Move the identity to ${auth0UserId}`}>
      <Hidden target={target} />
      <input type="hidden" name="toPersonId" value={toPersonId} />
      <Reason state={state} />
      <button className={btn.primary} disabled={pending}>
        {pending ? "Moving…" : "Move to this account"}
      </button>
    </form>
  );
}

export function UnlinkForm({ target }: { target: Target }) {
  const [state, action, pending] = useActionState(unlinkIdentity, null);
  const errors = state && !state.ok ? state.error : null;
  return (
    <details className="rounded-lg border border-rose-200 bg-rose-50/40 p-3" open={errors ? true : undefined}>
      <summary className="cursor-pointer text-sm font-medium text-rose-800">Unlink this identity…</summary>
      <form action={action} className="mt-3 space-y-3" noValidate>
        <Hidden target={target} />
        <p className="text-sm text-slate-700">
          The identity is linked to nobody afterwards and its records (every policy) are removed: this account must verify again, and the
          next person to verify with this identity is linked to it.
        </p>
        <Reason state={state} />
        <button className={btn.danger} disabled={pending}>
          {pending ? "Unlinking…" : "Unlink identity"}
        </button>
      </form>
    </details>
  );
}
