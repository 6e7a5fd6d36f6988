"use client";

import { useState } from "react";
import { saveSettings } from "@/lib/settings/admin";
import { COMMUNITY_SCOPES, IDME_BASE_URLS, MAX_INTERVAL_HOURS, settingsSchema } from "@/lib/settings/schema";
import { btn, Field, input } from "../_ui/kit";
import { aria, Choice, FieldError, FormMessage, ScopePicker, splitScopes, SubmitButton, useSchemaForm } from "./_components/form-bits";
import { hoursText, listOf, textOf } from "./_components/format";

export interface SettingsFormInitial {
  /** The global provider, and the registered ones to choose from. */
  provider: string;
  providers: { id: string; name: string }[];
  verificationType: "identity" | "community";
  environment: "sandbox" | "production";
  baseUrl: string | null;
  clientId: string;
  /** Whether a client secret is stored; the secret itself never reaches the browser. */
  secretSet: boolean;
  scopes: string[];
  requiredGroup: string | null;
  reverifyIntervalHours: number;
  returnMethod: "post" | "get";
}

const FIELD_ORDER = [
  "provider",
  "verificationType",
  "environment",
  "baseUrl",
  "clientId",
  "clientSecret",
  "scopes",
  "requiredGroup",
  "reverifyIntervalHours",
  "returnMethod",
];

export function SettingsForm({ initial }: { initial: SettingsFormInitial }) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveSettings, settingsSchema);
  const [secretTyped, setSecretTyped] = useState(false);

  // After a round trip the form shows what was submitted (never the secret); before, what is stored.
  const v = state?.values;
  const d = {
    provider: v ? textOf(v, "provider") || initial.provider : initial.provider,
    verificationType: v ? textOf(v, "verificationType") : initial.verificationType,
    environment: v ? textOf(v, "environment") : initial.environment,
    baseUrl: v ? textOf(v, "baseUrl") : (initial.baseUrl ?? ""),
    clientId: v ? textOf(v, "clientId") : initial.clientId,
    requiredGroup: v ? textOf(v, "requiredGroup") : (initial.requiredGroup ?? ""),
    reverifyIntervalHours: v ? textOf(v, "reverifyIntervalHours") : String(initial.reverifyIntervalHours),
    returnMethod: v ? textOf(v, "returnMethod") : initial.returnMethod,
    ...(v ? { selected: listOf(v, "scopes"), other: textOf(v, "scopesOther") } : splitScopes(initial.scopes)),
  };

  // Shown live while editing: which ID.me server this means, and whether the group applies.
  const [environment, setEnvironment] = useState(d.environment);
  const [baseUrl, setBaseUrl] = useState(d.baseUrl);
  const [type, setType] = useState(d.verificationType);
  const [hours, setHours] = useState(d.reverifyIntervalHours);
  const base = baseUrl.trim() ? baseUrl.trim().replace(/\/+$/, "") : IDME_BASE_URLS[environment as keyof typeof IDME_BASE_URLS];
  const hoursNumber = /^\d{1,4}$/.test(hours.trim()) ? Number(hours.trim()) : null;
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
      className="space-y-8"
    >
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <>
            <p className="font-medium">
              {data.changed.length
                ? "Saved. The next login uses these settings; no restart needed."
                : "Nothing changed: the settings were already like this."}
            </p>
            {data.changed.length ? <p className="mt-1">Changed: {data.changed.join(", ")}.</p> : null}
            {data.warnings.length ? (
              <div className="mt-2 rounded border border-amber-300 bg-amber-50 p-2 text-amber-900">
                <p className="font-medium">These applications cannot succeed with the new settings; fix them on the Applications page:</p>
                <ul className="mt-1 list-disc pl-5">
                  {data.warnings.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              </div>
            ) : null}
          </>
        )}
      </FormMessage>
      {unknownErrors.length ? (
        <p className="text-sm text-rose-700">{unknownErrors.map((k) => `${k}: ${errors[k]!.join(" ")}`).join(" ")}</p>
      ) : null}

      <section className="space-y-5" aria-labelledby="what-heading">
        <h2 id="what-heading" className="text-base font-semibold">
          What is verified
        </h2>
        <Field
          name="provider"
          label="Global provider"
          hint="Every application uses it unless its own page names another."
          errors={errors.provider}
        >
          <select defaultValue={d.provider} className={input} {...aria("provider", errors, true)}>
            {initial.providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <Choice
          name="verificationType"
          legend="Verification type (ID.me's “Community or Identity”)"
          value={d.verificationType}
          errors={errors}
          onChange={setType}
          options={[
            { value: "identity", label: "Identity", description: "ID.me proves who the person is (IAL2). Needs the IAL2 scope." },
            {
              value: "community",
              label: "Community",
              description: "ID.me verifies membership of a group (military, student, …). Needs a group scope.",
            },
          ]}
        />

        <ScopePicker
          legend="Scopes asked of ID.me"
          hint="Tick the policies to request; anything else ID.me gave you goes below, one per line. Without openid the plain OAuth flow is used (no ID token)."
          selected={d.selected}
          other={d.other}
          errors={errors}
        />

        <Field
          name="requiredGroup"
          label="Required community group"
          hint={
            type === "community"
              ? "The group that must be verified. Empty: the first group among the scopes."
              : "Used for community verification only; ignored for identity."
          }
          errors={errors.requiredGroup}
        >
          <input
            {...aria("requiredGroup", errors, true)}
            defaultValue={d.requiredGroup}
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
        </Field>

        <Field
          name="reverifyIntervalHours"
          label="Re-verification interval, in hours (ID.me's “Timestamp”)"
          hint={`How long a successful check counts before the person is sent to ID.me again: 0 = at every login, ${MAX_INTERVAL_HOURS} at most (a year).${hoursNumber !== null && hoursNumber <= MAX_INTERVAL_HOURS ? ` Now: verify ${hoursText(hoursNumber)}.` : ""}`}
          errors={errors.reverifyIntervalHours}
        >
          <input
            {...aria("reverifyIntervalHours", errors, true)}
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_INTERVAL_HOURS}
            step={1}
            defaultValue={d.reverifyIntervalHours}
            onChange={(e) => setHours(e.target.value)}
            className={`${input} max-w-[10rem]`}
          />
        </Field>
      </section>

      <section className="space-y-5 border-t border-slate-200 pt-6" aria-labelledby="idme-heading">
        <h2 id="idme-heading" className="text-base font-semibold">
          ID.me application
        </h2>
        <Choice
          name="environment"
          legend="Environment (ID.me's “Sandbox or Production”)"
          value={d.environment}
          errors={errors}
          onChange={setEnvironment}
          options={[
            { value: "sandbox", label: "Sandbox", description: <span className="font-mono text-xs">{IDME_BASE_URLS.sandbox}</span> },
            {
              value: "production",
              label: "Production",
              description: <span className="font-mono text-xs">{IDME_BASE_URLS.production}</span>,
            },
          ]}
        />
        <p className="text-sm text-slate-700" aria-live="polite">
          Logins go to{" "}
          <span className="break-all font-mono text-xs font-semibold text-slate-900" data-testid="effective-base-url">
            {base}
          </span>
          {baseUrl.trim() ? " (the advanced override below)." : "."}
        </p>

        <details className="rounded-md border border-slate-200 p-3" open={Boolean(d.baseUrl) || Boolean(errors.baseUrl)}>
          <summary className="cursor-pointer text-sm font-medium text-slate-800">Advanced: base URL override</summary>
          <div className="mt-3">
            <Field
              name="baseUrl"
              label="ID.me base URL"
              hint="Only for a proxy or a local ID.me stand-in. Empty: the environment's URL."
              errors={errors.baseUrl}
            >
              <input
                {...aria("baseUrl", errors, true)}
                type="url"
                inputMode="url"
                defaultValue={d.baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
                placeholder={IDME_BASE_URLS[environment as keyof typeof IDME_BASE_URLS]}
                autoCapitalize="none"
                spellCheck={false}
                className={input}
              />
            </Field>
          </div>
        </details>

        <Field name="clientId" label="Client ID" hint="From your application in the ID.me developer portal." errors={errors.clientId}>
          <input
            {...aria("clientId", errors, true)}
            defaultValue={d.clientId}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            className={`${input} font-mono`}
          />
        </Field>

        <div className="space-y-1">
          <p className="text-sm font-medium text-slate-800">Client secret</p>
          <p className="text-sm text-slate-700" data-testid="secret-status">
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
          <label htmlFor="clientSecret" className="block pt-1 text-sm font-medium text-slate-800">
            Replace secret
          </label>
          <input
            {...aria("clientSecret", errors, true)}
            type="password"
            defaultValue=""
            autoComplete="new-password"
            autoCapitalize="none"
            spellCheck={false}
            className={`${input} max-w-md font-mono`}
          />
          <p id="clientSecret-hint" className="text-xs text-slate-500">
            Leave empty to keep the current secret.
            {state && !state.ok && secretTyped && !clientBlocked
              ? " The secret you typed was not saved and is not kept in the form: type it again."
              : ""}
          </p>
          <FieldError name="clientSecret" errors={errors} />
        </div>
      </section>

      <section className="space-y-5 border-t border-slate-200 pt-6" aria-labelledby="return-heading">
        <h2 id="return-heading" className="text-base font-semibold">
          Back to Auth0
        </h2>
        <Choice
          name="returnMethod"
          legend="How the result returns to Auth0's /continue"
          value={d.returnMethod}
          errors={errors}
          options={[
            {
              value: "post",
              label: "POST (recommended)",
              description: "An auto-submitting form: the token stays out of URLs and logs, as Auth0 recommends.",
            },
            { value: "get", label: "GET", description: "The token in the query string; only for setups that cannot take a POST." },
          ]}
        />
      </section>

      <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-6">
        <SubmitButton pending={pending} className={btn.primary}>
          Save settings
        </SubmitButton>
        <p className="text-sm text-slate-600">Applies from the next login; no restart needed.</p>
      </div>
    </form>
  );
}
