"use client";

import { useActionState, useState } from "react";
import type { FormState } from "@/lib/staff/guard";
import { revealPersonalData, type RevealedData } from "@/lib/records/reveal";
import { Field, btn, input } from "../../_ui/kit";

/**
 * "Reveal personal data": asks the server action to open the sealed fields.
 * The answer lives only in this component's state (not in the URL, not in
 * storage); "Hide" drops it from the page.
 */
export function RevealForm({ recordId, role }: { recordId: string; role: "admin" | "support" }) {
  const [state, action, pending] = useActionState<FormState<RevealedData>, FormData>(revealPersonalData, null);
  const [hidden, setHidden] = useState<string | null>(null);
  const revealed = state?.ok && state.data.recordId === recordId && hidden !== state.data.revealedAt ? state.data : null;
  const errors = state && !state.ok ? state.error : null;
  const reasonErrors = errors?.fieldErrors?.reason;
  const typedReason = typeof state?.values?.reason === "string" ? state.values.reason : "";
  const supportNeedsReason = role !== "admin";

  if (revealed) {
    return (
      <div className="space-y-4" data-testid="revealed">
        <div
          className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900"
          role="status"
        >
          <span>Personal data shown at {revealed.revealedAt.replace("T", " ").slice(0, 19)} UTC. This reveal is in the audit log.</span>
          <button type="button" className={btn.secondary} onClick={() => setHidden(revealed.revealedAt)}>
            Hide
          </button>
        </div>
        <JsonBlock title="Normalized attributes" value={revealed.attributes} />
        <JsonBlock title="Userinfo (as the provider sent it)" value={revealed.rawUserinfo} />
        <JsonBlock title="ID token claims" value={revealed.idTokenClaims} empty="No ID token (plain OAuth flow)." />
      </div>
    );
  }

  return (
    <form action={action} className="space-y-3" noValidate>
      <input type="hidden" name="recordId" value={recordId} />
      <Field
        name="reason"
        label={supportNeedsReason ? "Reason (required)" : "Reason (optional)"}
        hint={
          supportNeedsReason
            ? "At least 10 characters, e.g. the ticket number and what you need to check. Written to the audit log with your name."
            : "Written to the audit log with your name."
        }
        errors={reasonErrors}
      >
        <textarea
          id="reason"
          name="reason"
          rows={2}
          maxLength={500}
          key={state?.values ? JSON.stringify(state.values) : "empty"}
          defaultValue={typedReason}
          aria-invalid={reasonErrors ? true : undefined}
          aria-describedby={`reason-hint${reasonErrors ? " reason-error" : ""}`}
          className={input}
        />
      </Field>
      {errors && !reasonErrors ? (
        <p role="alert" className="text-sm text-rose-700">
          {errors.message}
        </p>
      ) : null}
      <button type="submit" className={btn.primary} disabled={pending} aria-disabled={pending}>
        {pending ? "Revealing…" : "Reveal personal data"}
      </button>
    </form>
  );
}

function JsonBlock({ title, value, empty }: { title: string; value: unknown; empty?: string }) {
  return (
    <div>
      <h3 className="mb-1 text-sm font-semibold">{title}</h3>
      {value === null || value === undefined ? (
        <p className="text-sm text-slate-600">{empty ?? "—"}</p>
      ) : (
        <pre className="max-h-96 overflow-auto rounded-md bg-slate-900 p-3 text-xs leading-relaxed text-slate-100" tabIndex={0}>
          {JSON.stringify(value, null, 2)}
        </pre>
      )}
    </div>
  );
}
