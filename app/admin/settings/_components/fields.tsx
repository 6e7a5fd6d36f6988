"use client";

import { useState } from "react";
import type { z } from "zod";
import type { FormState } from "@/lib/staff/guard";
import { COMMUNITY_SCOPES, MAX_INTERVAL_HOURS } from "@/lib/settings/schema";
import { btn, input } from "../../_ui/kit";
import { aria, FieldError, PrefixedField, SubmitButton, useSchemaForm } from "./form-bits";

/**
 * The fields the settings, provider and application forms share, each a label, its
 * input, its hint and its error (ids prefixed when two forms share a page).
 */

type Errors = Record<string, string[]>;
type InputProps = Omit<React.InputHTMLAttributes<HTMLInputElement>, "id" | "name" | "className">;

/** A one-line text input; `mono` for ids, URLs and claim names. */
export function TextField({
  name,
  label,
  hint,
  errors,
  idPrefix = "",
  mono = false,
  width = "",
  ...props
}: InputProps & {
  name: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  errors: Errors;
  idPrefix?: string;
  mono?: boolean;
  /** e.g. "max-w-xs" */
  width?: string;
}) {
  return (
    <PrefixedField idPrefix={idPrefix} name={name} label={label} hint={hint} errors={errors}>
      <input
        {...aria(name, errors, Boolean(hint), idPrefix)}
        {...props}
        className={`${input} ${mono ? "font-mono" : ""} ${width}`.trim()}
      />
    </PrefixedField>
  );
}

/** A URL the admin types (a base URL, an issuer): no autocapitalising, no spell check. */
export function UrlField(props: React.ComponentProps<typeof TextField>) {
  return <TextField type="url" inputMode="url" autoCapitalize="none" spellCheck={false} {...props} />;
}

/** A client id as the provider gave it (field name `clientId`). */
export function ClientIdField(props: Omit<React.ComponentProps<typeof TextField>, "name" | "label">) {
  return <TextField name="clientId" label="Client ID" autoComplete="off" autoCapitalize="none" spellCheck={false} mono {...props} />;
}

/** The required community group, with the known groups offered. */
export function GroupField({ hint, errors, defaultValue }: { hint: string; errors: Errors; defaultValue: string }) {
  return (
    <PrefixedField idPrefix="" name="requiredGroup" label="Required community group" hint={hint} errors={errors}>
      <input
        {...aria("requiredGroup", errors, true)}
        defaultValue={defaultValue}
        list="community-groups"
        autoCapitalize="none"
        spellCheck={false}
        className={`${input} max-w-xs`}
      />
      <datalist id="community-groups">
        {COMMUNITY_SCOPES.map((g) => (
          <option key={g} value={g} />
        ))}
      </datalist>
    </PrefixedField>
  );
}

/** The re-verification interval in whole hours, 0 to a year. */
export function HoursField({
  label,
  hint,
  errors,
  defaultValue,
  onChange,
}: {
  label: string;
  hint: string;
  errors: Errors;
  defaultValue: string;
  onChange?: (value: string) => void;
}) {
  return (
    <TextField
      name="reverifyIntervalHours"
      label={label}
      hint={hint}
      errors={errors}
      type="number"
      inputMode="numeric"
      min={0}
      max={MAX_INTERVAL_HOURS}
      step={1}
      defaultValue={defaultValue}
      onChange={(e) => onChange?.(e.target.value)}
      width="max-w-[10rem]"
    />
  );
}

/**
 * A provider connection's write-only secret: whether one is stored (never the value),
 * and a field to replace it, required while none is stored. `retype`: the save failed
 * after a secret was typed, which the form does not keep.
 */
export function SecretField({
  idPrefix,
  secretSet,
  errors,
  retype,
}: {
  idPrefix: string;
  secretSet: boolean;
  errors: Errors;
  retype: boolean;
}) {
  return (
    <div className="space-y-1">
      <p className="text-sm font-medium text-slate-800">Client secret</p>
      <p className="text-sm text-slate-700" data-testid={`${idPrefix}secret-status`}>
        {secretSet ? (
          <>
            <span aria-hidden="true" className="font-mono">
              ••••
            </span>{" "}
            set <span className="text-slate-500">(stored encrypted; it is never shown)</span>
          </>
        ) : (
          "not set"
        )}
      </p>
      <label htmlFor={`${idPrefix}clientSecret`} className="block pt-1 text-sm font-medium text-slate-800">
        {secretSet ? "Replace secret" : "Secret"}
      </label>
      <input
        {...aria("clientSecret", errors, true, idPrefix)}
        type="password"
        defaultValue=""
        required={!secretSet}
        autoComplete="new-password"
        autoCapitalize="none"
        spellCheck={false}
        className={`${input} max-w-md font-mono`}
      />
      <p id={`${idPrefix}clientSecret-hint`} className="text-xs text-slate-500">
        {secretSet ? "Leave empty to keep the current secret." : "Required: no secret is stored yet."}
        {retype ? " The secret you typed was not saved and is not kept in the form: type it again." : ""}
      </p>
      <FieldError name="clientSecret" errors={errors} idPrefix={idPrefix} />
    </div>
  );
}

type Action<R> = (prev: FormState<R>, form: FormData) => Promise<FormState<R>>;

/** `useSchemaForm` for a form with a write-only secret: it knows whether a typed secret was lost to an error. */
export function useSecretForm<R>(action: Action<R>, schema: z.ZodType) {
  const form = useSchemaForm(action, schema);
  const [secretTyped, setSecretTyped] = useState(false);
  const onSubmit = (e: React.FormEvent<HTMLFormElement>) => {
    setSecretTyped(Boolean((e.currentTarget.elements.namedItem("clientSecret") as HTMLInputElement | null)?.value));
    form.onSubmit(e);
  };
  const retype = Boolean(form.state && !form.state.ok && secretTyped && !form.clientBlocked);
  return { ...form, onSubmit, retype };
}

/** What a save changed, as the form's status. */
export function SavedNote({ changed, saved, unchanged }: { changed: string[]; saved: string; unchanged: string }) {
  return (
    <>
      <p className="font-medium">{changed.length ? saved : unchanged}</p>
      {changed.length ? <p className="mt-1">Changed: {changed.join(", ")}.</p> : null}
    </>
  );
}

/** Errors under names the form has no field for (a forged or stale form), so none is lost. */
export function OtherErrors({ errors, fields }: { errors: Errors; fields: readonly string[] }) {
  const other = Object.keys(errors).filter((k) => !fields.includes(k) && k !== "_");
  return other.length ? <p className="text-sm text-rose-700">{other.map((k) => `${k}: ${errors[k]!.join(" ")}`).join(" ")}</p> : null;
}

/** The form's save button and when the change applies. */
export function SaveBar({ pending, children, className = "" }: { pending: boolean; children: React.ReactNode; className?: string }) {
  return (
    <div className={`flex flex-wrap items-center gap-3 border-t border-slate-200 ${className}`}>
      <SubmitButton pending={pending} className={btn.primary}>
        {children}
      </SubmitButton>
      <p className="text-sm text-slate-600">Applies from the next login; no restart needed.</p>
    </div>
  );
}
