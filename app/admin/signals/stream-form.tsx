"use client";

import { connectStream, verifyStream } from "@/lib/signals/admin";
import { connectSchema, verifySchema } from "@/lib/signals/transmitter-schema";
import { btn, Field, input } from "../_ui/kit";
import { aria, FormMessage, SubmitButton, useSchemaForm } from "../settings/_components/form-bits";

const VERIFICATION: Record<string, string> = {
  requested: "A verification event was asked for; reload in a moment to see it arrive.",
  not_offered: "The transmitter offers no verification endpoint.",
  failed: "The verification request failed; try “Verify stream” again.",
};

/** "Connect stream": creates this portal's push stream at the transmitter with the token it issued. */
export function ConnectStreamForm({ id, name, connected }: { id: string; name: string; connected: boolean }) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(connectStream, connectSchema);
  const prefix = `${id}-stream-`;
  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Connect stream to ${name}`}>
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <p className="font-medium">
            Stream {data.streamId} {data.inPlace ? "replaced in place (its status at the transmitter is unchanged)" : "created"}
            {data.audienceChanged ? " (audience set to the transmitter's)" : ""}. {VERIFICATION[data.verification] ?? ""}
          </p>
        )}
      </FormMessage>
      <input type="hidden" name="id" value={id} />
      <Field
        name={`${prefix}token`}
        label="Transmitter's token"
        hint={`The bearer token ${name} issued to this portal for its stream management API. It is kept sealed and never shown again.`}
        errors={errors.token}
      >
        <input {...aria("token", errors, true, prefix)} type="password" autoComplete="off" className={`${input} max-w-md`} />
      </Field>
      <SubmitButton pending={pending} className={btn.primary}>
        {connected ? "Connect stream again" : "Connect stream"}
      </SubmitButton>
    </form>
  );
}

/** "Verify stream": asks the transmitter for a verification event. */
export function VerifyStreamForm({ id, name }: { id: string; name: string }) {
  const { state, formAction, pending, clientBlocked, onSubmit, formRef } = useSchemaForm(verifyStream, verifySchema);
  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-2" aria-label={`Verify stream to ${name}`}>
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => <p className="font-medium">{VERIFICATION[data.verification] ?? ""}</p>}
      </FormMessage>
      <input type="hidden" name="id" value={id} />
      <SubmitButton pending={pending} className={btn.secondary}>
        Verify stream
      </SubmitButton>
    </form>
  );
}
