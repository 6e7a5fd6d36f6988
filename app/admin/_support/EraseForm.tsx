"use client";

import { useActionState, useId } from "react";
import { erasePersonForm } from "@/lib/records/erase-action";
import { DangerButton, DangerFold, FormProblem, ReasonAndConfirm, typedValues } from "./ReasonConfirm";

/**
 * "Erase this person…" on the person page (admins only): every personal value
 * the portal holds about them goes (lib/records/erase.ts), leaving non-personal
 * tombstones. The reason goes to the audit log; typing ERASE confirms. On success
 * the action sends the browser to the tombstone's page.
 */
export function EraseForm({ auth0UserId }: { auth0UserId: string }) {
  const [state, action, pending] = useActionState(erasePersonForm, null);
  const id = useId();
  const errors = state && !state.ok ? state.error : null;
  return (
    <DangerFold summary="Erase this person…" open={Boolean(errors)}>
      <form action={action} className="mt-3 space-y-3" noValidate>
        <input type="hidden" name="auth0UserId" value={auth0UserId} />
        <p className="text-sm text-slate-700">
          Erases everything personal the portal holds about this person: the sealed attributes, raw provider answers and ID token claims of
          every record, the email lookup, the provider account ids and the Auth0 user id (in records, attempts and audit entries). Counts
          and the audit trail stay, as non-personal tombstones. At their next login the Auth0 Action drops the stored check, and the person
          verifies again as someone new. <strong>This cannot be undone.</strong> Download their data first if the request asks for it.
        </p>
        <ReasonAndConfirm
          id={id}
          errors={errors}
          typed={typedValues(state?.values)}
          label="Reason (written to the audit log; no personal data)"
          hint="At least 10 characters: the data-protection request's ticket number."
          rows={2}
          confirmWord="ERASE"
        />
        <FormProblem errors={errors} />
        <DangerButton pending={pending} label="Erase this person" busy="Erasing…" />
      </form>
    </DangerFold>
  );
}
