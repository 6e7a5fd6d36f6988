import { revocationOf } from "@/lib/insight/revocation";
import { Time } from "../../_ui/time";

/** On a revoked record: who revoked it, when and why (from the audit entry written with the revocation). */
export async function Revocation({ recordId, status }: { recordId: string; status: string }) {
  if (status !== "revoked") return null;
  const r = await revocationOf(recordId);
  return (
    <section
      aria-label="Revocation"
      className="rounded-lg border border-slate-300 bg-slate-100 p-3 text-sm text-slate-800"
      data-testid="revocation"
    >
      {r ? (
        <p>
          Revoked by <strong>{r.by}</strong> ({r.role}) on <Time value={r.at} />. Reason: “{r.reason ?? "none given"}”.
        </p>
      ) : (
        <p>Revoked (no audit entry says by whom: the record was revoked outside the staff pages).</p>
      )}
    </section>
  );
}
