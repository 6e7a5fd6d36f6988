import { Field, btn, input } from "../_ui/kit";
import type { ActionError } from "@/lib/staff/guard";

/**
 * The pieces every consequential staff form shares (revoke, erase, unlink,
 * move): a reason for the audit log, a typed confirmation word, the problem the
 * server answered, and the red fold they sit in.
 *
 *   <DangerFold summary="Erase this person…" open={Boolean(errors)}>
 *     <form action={action}>…<ReasonAndConfirm id={id} errors={errors} typed={value} confirmWord="ERASE" />
 *     <FormProblem errors={errors} /> <DangerButton pending={pending} label="Erase this person" busy="Erasing…" /></form>
 *   </DangerFold>
 */

export function ReasonAndConfirm({
  id,
  errors,
  typed,
  label = "Reason (written to the audit log)",
  hint = "At least 10 characters: the ticket number and what happened.",
  rows = 3,
  confirmWord,
  confirmHint = "In capitals.",
}: {
  /** useId() of the form: the fields' ids are derived from it. */
  id: string;
  errors: ActionError | null;
  /** What was typed before the server answered (state.values). */
  typed: (name: string) => string;
  label?: string;
  hint?: string;
  rows?: number;
  /** The word to type to confirm (e.g. ERASE); no confirmation field without it. */
  confirmWord?: string;
  confirmHint?: string;
}) {
  const reasonId = `${id}-reason`;
  const confirmId = `${id}-confirm`;
  const reasonErrors = errors?.fieldErrors?.reason;
  const confirmErrors = errors?.fieldErrors?.confirm;
  return (
    <>
      <Field name={reasonId} label={label} hint={hint} errors={reasonErrors}>
        <textarea
          id={reasonId}
          name="reason"
          required
          minLength={10}
          maxLength={500}
          rows={rows}
          defaultValue={typed("reason")}
          className={input}
          aria-invalid={reasonErrors ? true : undefined}
          aria-describedby={`${reasonId}-hint${reasonErrors ? ` ${reasonId}-error` : ""}`}
        />
      </Field>
      {confirmWord ? (
        <Field name={confirmId} label={`Type ${confirmWord} to confirm`} hint={confirmHint} errors={confirmErrors}>
          <input
            id={confirmId}
            name="confirm"
            required
            autoComplete="off"
            defaultValue={typed("confirm")}
            className={input}
            aria-invalid={confirmErrors ? true : undefined}
            aria-describedby={`${confirmId}-hint${confirmErrors ? ` ${confirmId}-error` : ""}`}
          />
        </Field>
      ) : null}
    </>
  );
}

/** The server's answer when it is not about one field. */
export function FormProblem({ errors }: { errors: ActionError | null }) {
  if (!errors || (errors.fieldErrors && Object.keys(errors.fieldErrors).length)) return null;
  return (
    <p role="alert" className="text-sm text-rose-700">
      {errors.message}
    </p>
  );
}

/** A red fold around a consequential form, opened again when the server refused. */
export function DangerFold({ summary, open, children }: { summary: string; open: boolean; children: React.ReactNode }) {
  return (
    <details className="rounded-lg border border-rose-200 bg-rose-50/40 p-3" open={open ? true : undefined}>
      <summary className="cursor-pointer text-sm font-medium text-rose-800">{summary}</summary>
      {children}
    </details>
  );
}

export function DangerButton({ pending, label, busy }: { pending: boolean; label: string; busy: string }) {
  return (
    <button className={btn.danger} disabled={pending}>
      {pending ? busy : label}
    </button>
  );
}

/** state.values → what was typed in one field. */
export function typedValues(values: Record<string, unknown> | undefined): (name: string) => string {
  return (name) => (typeof values?.[name] === "string" ? (values[name] as string) : "");
}
