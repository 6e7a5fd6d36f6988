"use client";

import { useActionState, useEffect } from "react";
import { useRouter } from "next/navigation";
import { redeliver } from "@/lib/events/admin";

/** "Redeliver" on a row of the delivery log (admins). */
export function RedeliverForm({ deliveryId, label }: { deliveryId: string; label: string }) {
  const [state, action, pending] = useActionState(redeliver, null);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.refresh();
  }, [state, router]);
  return (
    <form action={action} className="inline">
      <input type="hidden" name="deliveryId" value={deliveryId} />
      <button type="submit" disabled={pending} aria-label={label} className="text-sm text-brand-700 underline disabled:opacity-50">
        {pending ? "Queuing…" : "Redeliver"}
      </button>
      <span aria-live="polite" className="ml-1 text-xs text-slate-600">
        {state?.ok ? "queued" : state && !state.ok ? state.error.message : ""}
      </span>
    </form>
  );
}
