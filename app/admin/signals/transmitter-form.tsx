"use client";

import { saveTransmitter } from "@/lib/signals/admin";
import { transmitterSchema } from "@/lib/signals/transmitter-schema";
import { btn, Field, input } from "../_ui/kit";
import { aria, FormMessage, SubmitButton, IdField, useSchemaForm } from "../settings/_components/form-bits";

export interface TransmitterValues {
  id: string;
  name: string;
  issuer: string;
  jwksUrl: string;
  audience: string;
  provider: string;
  enabled: boolean;
}

const FIELDS: { name: "name" | "issuer" | "jwksUrl" | "audience"; label: string; hint: string }[] = [
  { name: "name", label: "Name", hint: "What staff read in the audit log, e.g. ID.me." },
  { name: "issuer", label: "Issuer", hint: "The iss of its events, exactly as the transmitter's SSF configuration states it." },
  { name: "jwksUrl", label: "JWKS URL", hint: "Where its public signing keys are (jwks_uri in its SSF configuration)." },
  { name: "audience", label: "Audience", hint: "The aud its events name for this portal; events for another audience are refused." },
];

/** Adds a transmitter (no `initial.id` yet) or changes one. */
export function TransmitterForm({
  initial,
  providers,
  isNew,
}: {
  initial: TransmitterValues;
  providers: { id: string; name: string }[];
  isNew: boolean;
}) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveTransmitter, transmitterSchema);
  const prefix = isNew ? "new-" : `${initial.id}-`;
  const v = (state?.values ?? {}) as Record<string, string | undefined>;
  const shown = (k: keyof TransmitterValues) => v[k] ?? String(initial[k] ?? "");
  return (
    <form
      ref={formRef}
      action={formAction}
      onSubmit={onSubmit}
      noValidate
      className="space-y-4"
      aria-label={isNew ? "Add a transmitter" : `Transmitter ${initial.name}`}
    >
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <p className="font-medium">
            {data.created ? "Transmitter added." : data.changed.length ? `Saved: ${data.changed.join(", ")}.` : "Nothing changed."}
          </p>
        )}
      </FormMessage>
      <IdField isNew={isNew} id={initial.id} value={shown("id")} prefix={prefix} errors={errors} />
      {FIELDS.map((f) => (
        <Field key={f.name} name={`${prefix}${f.name}`} label={f.label} hint={f.hint} errors={errors[f.name]}>
          <input {...aria(f.name, errors, true, prefix)} defaultValue={shown(f.name)} className={input} />
        </Field>
      ))}
      <Field name={`${prefix}provider`} label="Provider" hint="Whose accounts its subjects name." errors={errors.provider}>
        <select {...aria("provider", errors, true, prefix)} defaultValue={shown("provider")} className={`${input} max-w-[16rem]`}>
          {providers.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="enabled" defaultChecked={v.enabled !== undefined ? v.enabled === "on" : initial.enabled} />
        Trust its events (when off, its events are refused with invalid_issuer)
      </label>
      <SubmitButton pending={pending} className={btn.primary}>
        {isNew ? "Add transmitter" : "Save transmitter"}
      </SubmitButton>
    </form>
  );
}
