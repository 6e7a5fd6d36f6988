"use client";

import { saveEndpoint } from "@/lib/events/admin";
import { EVENT_LABELS, EVENT_TYPES } from "@/lib/events/catalogue";
import { endpointSchema } from "@/lib/events/endpoint-schema";
import { btn, Field, input } from "../_ui/kit";
import { aria, FieldError, FormMessage, SubmitButton, IdField, useSchemaForm } from "../settings/_components/form-bits";
import { SecretOnce } from "./secret-once";

export interface EndpointValues {
  id: string;
  name: string;
  url: string;
  clientId: string;
  eventTypes: string[];
  includeAttributes: boolean;
  enabled: boolean;
}

/** Adds an endpoint (its secret shown once, after) or changes one. */
export function EndpointForm({
  initial,
  applications,
  isNew,
}: {
  initial: EndpointValues;
  applications: { clientId: string; name: string }[];
  isNew: boolean;
}) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveEndpoint, endpointSchema);
  const prefix = isNew ? "new-" : `${initial.id}-`;
  const v = (state?.values ?? {}) as Record<string, string | string[] | undefined>;
  const typed = state && !state.ok;
  const shown = (k: "id" | "name" | "url" | "clientId") => (typed && typeof v[k] === "string" ? (v[k] as string) : initial[k]);
  const types = typed ? ([] as string[]).concat(v.eventTypes ?? []) : initial.eventTypes;
  const checked = (k: "includeAttributes" | "enabled") => (typed ? v[k] === "on" : initial[k]);
  return (
    <form
      ref={formRef}
      action={formAction}
      onSubmit={onSubmit}
      noValidate
      className="space-y-4"
      aria-label={isNew ? "Add an endpoint" : `Endpoint ${initial.name}`}
    >
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) =>
          data.secret ? (
            <SecretOnce secret={data.secret} what="Endpoint added." />
          ) : (
            <p className="font-medium">{data.changed.length ? `Saved: ${data.changed.join(", ")}.` : "Nothing changed."}</p>
          )
        }
      </FormMessage>
      <input type="hidden" name="isNew" value={isNew ? "true" : "false"} />
      <IdField isNew={isNew} id={initial.id} value={shown("id")} prefix={prefix} errors={errors} />
      <Field name={`${prefix}name`} label="Name" hint="What staff read in the log, e.g. Back office." errors={errors.name}>
        <input {...aria("name", errors, true, prefix)} defaultValue={shown("name")} className={input} />
      </Field>
      <Field
        name={`${prefix}url`}
        label="URL"
        hint="Events are POSTed here as JSON, signed (Idv-Signature). https:// in production."
        errors={errors.url}
      >
        <input {...aria("url", errors, true, prefix)} defaultValue={shown("url")} className={`${input} font-mono`} inputMode="url" />
      </Field>
      <Field
        name={`${prefix}clientId`}
        label="Application"
        hint="Every application's events, or only those of one application."
        errors={errors.clientId}
      >
        <select {...aria("clientId", errors, true, prefix)} defaultValue={shown("clientId")} className={`${input} max-w-[24rem]`}>
          <option value="">Every application</option>
          {applications.map((a) => (
            <option key={a.clientId} value={a.clientId}>
              {a.name}
            </option>
          ))}
        </select>
      </Field>
      <fieldset className="space-y-1" aria-describedby={errors.eventTypes?.length ? `${prefix}eventTypes-error` : undefined}>
        <legend className="text-sm font-medium text-slate-800">Events</legend>
        {EVENT_TYPES.map((t) => (
          <label key={t} className="flex items-start gap-2 py-0.5 text-sm">
            <input type="checkbox" name="eventTypes" value={t} defaultChecked={types.includes(t)} className="mt-0.5 h-4 w-4 shrink-0" />
            <span>
              <span className="font-mono text-xs text-slate-900">{t}</span>{" "}
              <span className="text-slate-600">{EVENT_LABELS[t].split(": ")[1]}</span>
            </span>
          </label>
        ))}
        <FieldError name="eventTypes" errors={errors} idPrefix={prefix} />
      </fieldset>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="includeAttributes" defaultChecked={checked("includeAttributes")} className="mt-0.5 h-4 w-4" />
        <span>
          Include the verified attributes (name, birth date, address…) in verification.succeeded.{" "}
          <span className="text-slate-600">Personal data: off unless this receiver must have it.</span>
        </span>
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="enabled" defaultChecked={checked("enabled")} className="h-4 w-4" />
        Send events (when off, no new event is written for it and waiting ones are refused)
      </label>
      <SubmitButton pending={pending} className={btn.primary}>
        {isNew ? "Add endpoint" : "Save endpoint"}
      </SubmitButton>
    </form>
  );
}
