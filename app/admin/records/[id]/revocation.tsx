import { revocationOf } from "@/lib/insight/revocation";
import { pushOfRecord } from "@/lib/auth0/push";
import { Time } from "../../_ui/time";

/**
 * On a revoked record: who revoked it, when and why (from the audit entry written with the
 * revocation), and, when revocations are pushed to Auth0, whether Auth0 has been told.
 */
export async function Revocation({ recordId, status }: { recordId: string; status: string }) {
  if (status !== "revoked") return null;
  const [r, push] = await Promise.all([revocationOf(recordId), pushOfRecord(recordId)]);
  return (
    <section
      aria-label="Revocation"
      className="space-y-1 rounded-lg border border-slate-300 bg-slate-100 p-3 text-sm text-slate-800"
      data-testid="revocation"
    >
      {r ? (
        <p>
          Revoked by <strong>{r.by}</strong> ({r.role}) on <Time value={r.at} />. Reason: “{r.reason ?? "none given"}”.
        </p>
      ) : (
        <p>Revoked (no audit entry says by whom: the record was revoked outside the staff pages).</p>
      )}
      {push ? (
        <p data-testid="auth0-push">
          {push.status === "done" && push.doneAt && push.lastError ? (
            <>
              Auth0 told at <Time value={push.doneAt} />: {push.lastError}, nothing to clear.
            </>
          ) : push.status === "done" && push.doneAt ? (
            <>
              Auth0 updated at <Time value={push.doneAt} />: the stored check was cleared
              {push.sessions ? ", and the person's sessions and refresh tokens revoked" : ""}.
            </>
          ) : push.status === "failed" ? (
            <>
              Auth0 could not be updated ({push.lastError ?? "unknown error"}) after {push.attempts} tries; the person is sent to the portal
              at their next login anyway.
            </>
          ) : push.attempts > 0 ? (
            <>
              Auth0 not updated yet ({push.lastError ?? "in progress"}); try {push.attempts + 1} at <Time value={push.nextAttemptAt} />.
            </>
          ) : (
            <>Auth0 is being told.</>
          )}
        </p>
      ) : null}
    </section>
  );
}
