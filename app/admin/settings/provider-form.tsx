"use client";

import { useMemo, useState } from "react";
import { saveIdmeConnection, saveProviderConnection } from "@/lib/settings/admin";
import { IDME_BASE_URLS, idmeConnectionSchemaFor, providerConnectionSchemaFor } from "@/lib/settings/schema";
import { SELECTOR_PATH } from "@/lib/providers/idpartner/paths";
import { Choice, FormMessage } from "./_components/form-bits";
import { ClientIdField, OtherErrors, SaveBar, SavedNote, SecretField, UrlField, useSecretForm } from "./_components/fields";
import { textOf } from "./_components/format";

/** Each provider's connection (its provider_setting row), a form of its own beside the global settings. */

export interface ProviderFormInitial {
  clientId: string;
  /** null: the provider's default base URL. */
  baseUrl: string | null;
  /** Whether a client secret is stored; the secret itself never reaches the browser. */
  secretSet: boolean;
}

/** What the form shows: after a round trip what was submitted (never the secret), before it what is stored. */
function shown(values: Record<string, unknown> | undefined, initial: ProviderFormInitial) {
  return {
    clientId: values ? textOf(values, "clientId") : initial.clientId,
    baseUrl: values ? textOf(values, "baseUrl") : (initial.baseUrl ?? ""),
  };
}

const saved = (name: string) => `Saved. The next ${name} login uses this connection; no restart needed.`;
const UNCHANGED = "Nothing changed: the connection was already like this.";

const IDME = "idme-";
type Environment = keyof typeof IDME_BASE_URLS;

/** ID.me's connection: which of its environments, an optional base URL override, client id and write-only secret. */
export function IdmeConnectionForm({ initial }: { initial: ProviderFormInitial & { environment: Environment } }) {
  const schema = useMemo(() => idmeConnectionSchemaFor(initial.secretSet), [initial.secretSet]);
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef, retype } = useSecretForm(saveIdmeConnection, schema);
  const d = shown(state?.values, initial);
  const [environment, setEnvironment] = useState(state?.values ? textOf(state.values, "environment") : initial.environment);
  const [baseUrl, setBaseUrl] = useState(d.baseUrl);
  const environmentUrl = IDME_BASE_URLS[environment as Environment] ?? IDME_BASE_URLS.sandbox;
  const base = baseUrl.trim() ? baseUrl.trim().replace(/\/+$/, "") : environmentUrl;

  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-5" aria-label="ID.me connection">
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => <SavedNote changed={data.changed} saved={saved("ID.me")} unchanged={UNCHANGED} />}
      </FormMessage>
      <OtherErrors errors={errors} fields={["environment", "baseUrl", "clientId", "clientSecret"]} />

      <Choice
        name="environment"
        legend="Environment (ID.me's “Sandbox or Production”)"
        value={environment}
        errors={errors}
        onChange={setEnvironment}
        options={(["sandbox", "production"] as const).map((env) => ({
          value: env,
          label: env === "sandbox" ? "Sandbox" : "Production",
          description: <span className="font-mono text-xs">{IDME_BASE_URLS[env]}</span>,
        }))}
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
          <UrlField
            idPrefix={IDME}
            name="baseUrl"
            label="ID.me base URL"
            hint="Only for a proxy or a local ID.me stand-in. Empty: the environment's URL."
            errors={errors}
            defaultValue={d.baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            placeholder={environmentUrl}
          />
        </div>
      </details>

      <ClientIdField
        idPrefix={IDME}
        hint="From your application in the ID.me developer portal."
        errors={errors}
        defaultValue={d.clientId}
      />
      <SecretField idPrefix={IDME} secretSet={initial.secretSet} errors={errors} retype={retype} />
      <SaveBar pending={pending} className="pt-5">
        Save ID.me connection
      </SaveBar>
    </form>
  );
}

/** The IDPartner form's ids carry a prefix: the forms share the page. */
const P = "idpartner-";

/** IDPartner's connection: client id, write-only secret, base URL. */
export function ProviderConnectionForm({ initial, defaultBaseUrl }: { initial: ProviderFormInitial; defaultBaseUrl: string }) {
  const schema = useMemo(() => providerConnectionSchemaFor(initial.secretSet), [initial.secretSet]);
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef, retype } = useSecretForm(saveProviderConnection, schema);
  const d = shown(state?.values, initial);
  const [baseUrl, setBaseUrl] = useState(d.baseUrl);
  const base = (baseUrl.trim() || defaultBaseUrl).replace(/\/+$/, "");

  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-5" aria-label="IDPartner connection">
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => <SavedNote changed={data.changed} saved={saved("IDPartner")} unchanged={UNCHANGED} />}
      </FormMessage>
      <OtherErrors errors={errors} fields={["clientId", "clientSecret", "baseUrl"]} />

      <ClientIdField idPrefix={P} hint="From IDPartner, for this portal." errors={errors} defaultValue={d.clientId} />
      <SecretField idPrefix={P} secretSet={initial.secretSet} errors={errors} retype={retype} />
      <UrlField
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
        defaultValue={d.baseUrl}
        onChange={(e) => setBaseUrl(e.target.value)}
        placeholder={defaultBaseUrl}
      />
      <p className="text-sm text-slate-700" aria-live="polite">
        Logins start at{" "}
        <span className="break-all font-mono text-xs font-semibold text-slate-900" data-testid="idpartner-authorization-url">
          {base}
          {SELECTOR_PATH}
        </span>
        .
      </p>
      <SaveBar pending={pending} className="pt-5">
        Save IDPartner connection
      </SaveBar>
    </form>
  );
}
