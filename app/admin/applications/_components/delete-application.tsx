"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { deleteApplication } from "@/lib/settings/admin";
import { btn } from "../../_ui/kit";
import { FormMessage } from "../../settings/_components/form-bits";

/** Deleting asks once more; the action then moves to the list, which says what was deleted. */
export function DeleteApplication({ clientId, name }: { clientId: string; name: string }) {
  const [state, formAction, pending] = useActionState(deleteApplication, null);
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (!confirming) {
    return (
      <div className="space-y-3">
        <FormMessage state={state} clientBlocked={false} />
        <button ref={openRef} type="button" className={btn.secondary} onClick={() => setConfirming(true)}>
          Delete application…
        </button>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-3 rounded-md border border-rose-200 bg-rose-50 p-4" aria-labelledby="delete-heading">
      <input type="hidden" name="clientId" value={clientId} />
      <p id="delete-heading" className="text-sm text-rose-900">
        Delete <strong>{name}</strong>? Logins from <span className="font-mono">{clientId}</span> will then use the global settings, and
        verification will no longer be required for them.
      </p>
      <FormMessage state={state} clientBlocked={false} />
      <div className="flex flex-wrap gap-3">
        <button ref={confirmRef} type="submit" className={btn.danger} disabled={pending}>
          {pending ? "Deleting…" : "Delete"}
        </button>
        <button
          type="button"
          className={btn.secondary}
          onClick={() => {
            setConfirming(false);
            setTimeout(() => openRef.current?.focus());
          }}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
