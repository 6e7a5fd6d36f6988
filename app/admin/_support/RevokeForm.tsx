"use client";

import { useActionState, useEffect, useId } from "react";
import { useRouter } from "next/navigation";
import { revokeRecord } from "@/lib/records/revoke";
import { DangerButton, DangerFold, FormProblem, ReasonAndConfirm, typedValues } from "./ReasonConfirm";

/**
 * "Revoke verification" on a record page (support and admins):
 *
 *   <RevokeForm recordId={record.id} status={record.status} />
 *
 * (optional `label`: the text of the fold that opens the form; `quiet`: nothing
 * at all for a record that is not verified). Keep it mounted at the same place
 * (a stable key) so "Revoked." stays visible after the page refreshes.
 *
 * Only a verified record can be revoked; for others it says why not. The
 * reason (at least 10 characters) goes to the audit log, typing REVOKE
 * confirms; the person is sent to verify again at their next login.
 */
export function RevokeForm({
  recordId,
  status,
  label = "Revoke this verification…",
  quiet = false,
}: {
  recordId: string;
  status: "verified" | "not_verified" | "revoked";
  label?: string;
  /** Render nothing (instead of a note) for a record that cannot be revoked. */
  quiet?: boolean;
}) {
  const [state, action, pending] = useActionState(revokeRecord, null);
  const router = useRouter();
  const id = useId();
  const done = state?.ok === true;
  useEffect(() => {
    if (done) router.refresh();
  }, [done, router]);

  if (done) {
    return (
      <p role="status" className="rounded-lg bg-slate-100 p-3 text-sm text-slate-800">
        Revoked. The person will be asked to verify again at their next login; the reason is in the audit log.
      </p>
    );
  }
  if (status !== "verified") {
    if (quiet) return null;
    return (
      <p className="text-sm text-slate-600">
        {status === "revoked" ? "This verification is revoked." : "This record is not verified, so there is nothing to revoke."}
      </p>
    );
  }
  const errors = state && !state.ok ? state.error : null;
  return (
    <DangerFold summary={label} open={Boolean(errors)}>
      <form action={action} className="mt-3 space-y-3" noValidate>
        <input type="hidden" name="recordId" value={recordId} />
        <p className="text-sm text-slate-700">
          The person will have to verify again at their next login, for every application. Use this when the verification should no longer
          count (for example a stolen account or an identity linked by mistake).
        </p>
        <ReasonAndConfirm id={id} errors={errors} typed={typedValues(state?.values)} confirmWord="REVOKE" />
        <FormProblem errors={errors} />
        <DangerButton pending={pending} label="Revoke verification" busy="Revoking…" />
      </form>
    </DangerFold>
  );
}
