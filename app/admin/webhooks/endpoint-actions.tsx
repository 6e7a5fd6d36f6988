"use client";

import { useActionState } from "react";
import { rotateSecret, sendTestEvent } from "@/lib/events/admin";
import { btn, input } from "../_ui/kit";
import { FieldError, FormMessage, SubmitButton } from "../settings/_components/form-bits";
import { Time } from "../_ui/time";
import { SecretOnce } from "./secret-once";

/** "Send a test event" to one endpoint. */
export function TestEventForm({ id, name }: { id: string; name: string }) {
  const [state, action, pending] = useActionState(sendTestEvent, null);
  return (
    <form action={action} className="space-y-2" aria-label={`Send a test event to ${name}`}>
      <input type="hidden" name="id" value={id} />
      <FormMessage state={state} clientBlocked={false}>
        {(data) => (
          <p>
            Test event <span className="font-mono text-xs">{data.eventId}</span> queued: see the delivery log.
          </p>
        )}
      </FormMessage>
      <SubmitButton pending={pending} className={btn.secondary}>
        Send a test event
      </SubmitButton>
    </form>
  );
}

/** Rotates the signing secret: the new one shown once, the old one still signing for the hours chosen. */
export function RotateForm({ id, name }: { id: string; name: string }) {
  const [state, action, pending] = useActionState(rotateSecret, null);
  const errors = state && !state.ok ? (state.error.fieldErrors ?? {}) : {};
  const prefix = `${id}-rotate-`;
  return (
    <form action={action} className="space-y-2" aria-label={`Rotate the signing secret of ${name}`}>
      <input type="hidden" name="id" value={id} />
      <FormMessage state={state} clientBlocked={false}>
        {(data) => (
          <>
            <SecretOnce secret={data.secret} what="New secret made." />
            <p className="mt-1 text-xs">
              {data.previousUntil ? (
                <>
                  The old secret also signs until <Time value={data.previousUntil} />.
                </>
              ) : (
                "The old secret stopped signing."
              )}
            </p>
          </>
        )}
      </FormMessage>
      <div className="flex flex-wrap items-end gap-3">
        <div className="space-y-1">
          <label htmlFor={`${prefix}keepHours`} className="block text-sm font-medium text-slate-800">
            Keep the old secret signing for (hours)
          </label>
          <input
            id={`${prefix}keepHours`}
            name="keepHours"
            type="number"
            min={0}
            max={168}
            defaultValue={24}
            aria-invalid={errors.keepHours?.length ? true : undefined}
            aria-describedby={errors.keepHours?.length ? `${prefix}keepHours-error` : undefined}
            className={`${input} w-28`}
          />
        </div>
        <SubmitButton pending={pending} className={btn.secondary}>
          Rotate secret
        </SubmitButton>
      </div>
      <FieldError name="keepHours" errors={errors} idPrefix={prefix} />
    </form>
  );
}
