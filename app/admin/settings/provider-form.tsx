"use client";

import { useMemo, useState } from "react";
import { saveProviderConnection } from "@/lib/settings/admin";
import { providerConnectionSchemaFor } from "@/lib/settings/schema";
import { SELECTOR_PATH } from "@/lib/providers/idpartner/paths";
import { btn, input } from "../_ui/kit";
import { aria, FieldError, FormMessage, PrefixedField, SubmitButton, useSchemaForm } from "./_components/form-bits";
import { textOf } from "./_components/format";

export interface ProviderFormInitial {
  clientId: string;
  /** null: IDPartner's default base URL. */
  baseUrl: string | null;
  /** Whether a client secret is stored; the secret itself never reaches the browser. */
  secretSet: boolean;
}

/** The ID.me form on the same page uses the bare field names as ids. */
const P = "idpartner-";
const FIELD_ORDER = ["clientId", "clientSecret", "baseUrl"];

/** IDPartner's connection (the provider_setting row): client id, write-only secret, base URL. */
export function ProviderConnectionForm({ initial, defaultBaseUrl }: { initial: ProviderFormInitial; defaultBaseUrl: string }) {
  const schema = useMemo(() => providerConnectionSchemaFor(initial.secretSet), [initial.secretSet]);
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveProviderConnection, schema);
  const [secretTyped, setSecretTyped] = useState(false);

  // After a round trip the form shows what was submitted (never the secret); before, what is stored.
  const v = state?.values;
  const d = {
    clientId: v ? textOf(v, "clientId") : initial.clientId,
    baseUrl: v ? textOf(v, "baseUrl") : (initial.baseUrl ?? ""),
  };
  const [baseUrl, setBaseUrl] = useState(d.baseUrl);
  const base = (baseUrl.trim() || defaultBaseUrl).replace(/\/+$/, "");
  const unknownErrors = Object.keys(errors).filter((k) => !FIELD_ORDER.includes(k) && k !== "_");

  return (
    <form
      ref={formRef}
      action={formAction}
      onSubmit={(e) => {
        setSecretTyped(Boolean((e.currentTarget.elements.namedItem("clientSecret") as HTMLInputElement | null)?.value));
        onSubmit(e);
      }}
      noValidate
      className="space-y-5"
      aria-label="IDPartner connection"
    >
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <>
            <p className="font-medium">
              {data.changed.length
                ? "Saved. The next IDPartner login uses this connection; no restart needed."
                : "Nothing changed: the connection was already like this."}
            </p>
            {data.changed.length ? <p className="mt-1">Changed: {data.changed.join(", ")}.</p> : null}
          </>
        )}
      </FormMessage>
      {unknownErrors.length ? (
        <p className="text-sm text-rose-700">{unknownErrors.map((k) => `${k}: ${errors[k]!.join(" ")}`).join(" ")}</p>
      ) : null}

      <PrefixedField idPrefix={P} name="clientId" label="Client ID" hint="From IDPartner, for this portal." errors={errors}>
        <input
          {...aria("clientId", errors, true, P)}
          defaultValue={d.clientId}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          className={`${input} font-mono`}
        />
      </PrefixedField>

      <div className="space-y-1">
        <p className="text-sm font-medium text-slate-800">Client secret</p>
        <p className="text-sm text-slate-700" data-testid="idpartner-secret-status">
          {initial.secretSet ? (
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
        <label htmlFor={`${P}clientSecret`} className="block pt-1 text-sm font-medium text-slate-800">
          {initial.secretSet ? "Replace secret" : "Secret"}
        </label>
        <input
          {...aria("clientSecret", errors, true, P)}
          type="password"
          defaultValue=""
          required={!initial.secretSet}
          autoComplete="new-password"
          autoCapitalize="none"
          spellCheck={false}
          className={`${input} max-w-md font-mono`}
        />
        <p id={`${P}clientSecret-hint`} className="text-xs text-slate-500">
          {initial.secretSet ? "Leave empty to keep the current secret." : "Required: no secret is stored yet."}
          {state && !state.ok && secretTyped && !clientBlocked
            ? " The secret you typed was not saved and is not kept in the form: type it again."
            : ""}
        </p>
        <FieldError name="clientSecret" errors={errors} idPrefix={P} />
      </div>

      <PrefixedField
        idPrefix={P}
        name="baseUrl"
        label="Base URL (optional)"
        hint={
          <>
            Empty: <span className="break-all font-mono">{defaultBaseUrl}</span>. The portal sends the person to IDPartner&apos;s account
            selector at <span className="break-all font-mono">{SELECTOR_PATH}</span> under it; give the base only.
          </>
        }
        errors={errors}
      >
        <input
          {...aria("baseUrl", errors, true, P)}
          type="url"
          inputMode="url"
          defaultValue={d.baseUrl}
          onChange={(e) => setBaseUrl(e.target.value)}
          placeholder={defaultBaseUrl}
          autoCapitalize="none"
          spellCheck={false}
          className={input}
        />
      </PrefixedField>
      <p className="text-sm text-slate-700" aria-live="polite">
        Logins start at{" "}
        <span className="break-all font-mono text-xs font-semibold text-slate-900" data-testid="idpartner-authorization-url">
          {base}
          {SELECTOR_PATH}
        </span>
        .
      </p>

      <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-5">
        <SubmitButton pending={pending} className={btn.primary}>
          Save IDPartner connection
        </SubmitButton>
        <p className="text-sm text-slate-600">Applies from the next login; no restart needed.</p>
      </div>
    </form>
  );
}
