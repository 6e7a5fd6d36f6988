"use client";

import { useActionState, useId } from "react";
import { erasePersonForm } from "@/lib/records/erase-action";
import { Field, btn, input } from "../_ui/kit";

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
  const reasonId = `${id}-reason`;
  const confirmId = `${id}-confirm`;
  const value = (k: string) => (typeof state?.values?.[k] === "string" ? (state.values[k] as string) : "");
  return (
    <details className="rounded-lg border border-rose-200 bg-rose-50/40 p-3" open={errors ? true : undefined}>
      <summary className="cursor-pointer text-sm font-medium text-rose-800">Erase this person…</summary>
      <form action={action} className="mt-3 space-y-3" noValidate>
        <input type="hidden" name="auth0UserId" value={auth0UserId} />
        <p className="text-sm text-slate-700">
          Erases everything personal the portal holds about this person: the sealed attributes, raw provider answers and ID token claims of
          every record, the email lookup, the provider account ids and the Auth0 user id (in records, attempts and audit entries). Counts
          and the audit trail stay, as non-personal tombstones. At their next login the Auth0 Action drops the stored check, and the person
          verifies again as someone new. <strong>This cannot be undone.</strong> Download their data first if the request asks for it.
        </p>
        <Field
          name={reasonId}
          label="Reason (written to the audit log; no personal data)"
          hint="At least 10 characters: the data-protection request's ticket number."
          errors={errors?.fieldErrors?.reason}
        >
          <textarea
            id={reasonId}
            name="reason"
            required
            minLength={10}
            maxLength={500}
            rows={2}
            defaultValue={value("reason")}
            className={input}
            aria-invalid={errors?.fieldErrors?.reason ? true : undefined}
            aria-describedby={`${reasonId}-hint${errors?.fieldErrors?.reason ? ` ${reasonId}-error` : ""}`}
          />
        </Field>
        <Field name={confirmId} label="Type ERASE to confirm" hint="In capitals." errors={errors?.fieldErrors?.confirm}>
          <input
            id={confirmId}
            name="confirm"
            required
            autoComplete="off"
            defaultValue={value("confirm")}
            className={input}
            aria-invalid={errors?.fieldErrors?.confirm ? true : undefined}
            aria-describedby={`${confirmId}-hint${errors?.fieldErrors?.confirm ? ` ${confirmId}-error` : ""}`}
          />
        </Field>
        {errors && !errors.fieldErrors ? (
          <p role="alert" className="text-sm text-rose-700">
            {errors.message}
          </p>
        ) : null}
        <button className={btn.danger} disabled={pending}>
          {pending ? "Erasing…" : "Erase this person"}
        </button>
      </form>
    </details>
  );
}
