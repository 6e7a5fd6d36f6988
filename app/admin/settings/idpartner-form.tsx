"use client";

import { saveIdpartnerSettings } from "@/lib/providers/idpartner/admin";
import { idpartnerFormSchema } from "@/lib/providers/idpartner/form";
import type { IdpartnerConfig } from "@/lib/providers/idpartner/config";
import { btn, input } from "../_ui/kit";
import { aria, FormMessage, PrefixedField, SubmitButton, useSchemaForm } from "./_components/form-bits";
import { textOf } from "./_components/format";

export interface IdpartnerFormInitial {
  config: IdpartnerConfig;
  /** Whether the certificate's private key (mutual TLS) is stored; it never reaches the browser. */
  keySet: boolean;
  keyGenerated: boolean;
  jwksUrl: string;
  originUrl: string;
  redirectUri: string;
  rule: string;
}

const P = "idpartner-rp-";
const AUTH_LABELS: Record<IdpartnerConfig["auth"], string> = {
  client_secret_basic: "client_secret_basic: the client secret above (IDPartner sandbox applications)",
  private_key_jwt: "private_key_jwt: the portal's own key, published at the JWKS URL",
  tls_client_auth: "tls_client_auth: mutual TLS with the certificate below (production; certificate-bound tokens)",
};

/** A monospace text area (issuer lists, PEM) with its label, hint and errors. */
function Area(p: {
  name: string;
  label: React.ReactNode;
  hint: string;
  rows: number;
  defaultValue: string;
  errors: Record<string, string[]>;
}) {
  return (
    <PrefixedField idPrefix={P} name={p.name} label={p.label} hint={p.hint} errors={p.errors}>
      <textarea
        {...aria(p.name, p.errors, true, P)}
        rows={p.rows}
        defaultValue={p.defaultValue}
        spellCheck={false}
        autoComplete="off"
        className={`${input} font-mono text-xs`}
      />
    </PrefixedField>
  );
}

/** IDPartner as a relying party: how banks authenticate the portal, which banks are allowed, the verified rule. */
export function IdpartnerSettingsForm({ initial }: { initial: IdpartnerFormInitial }) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(
    saveIdpartnerSettings,
    idpartnerFormSchema,
  );
  const v = state?.values;
  const c = initial.config;
  const d = {
    auth: v ? textOf(v, "auth") : c.auth,
    allowedIssuers: v ? textOf(v, "allowedIssuers") : c.allowedIssuers.join("\n"),
    encryptResponses: v ? textOf(v, "encryptResponses") === "on" : c.encryptResponses,
    tlsCert: v ? textOf(v, "tlsCert") : (c.tlsCert ?? ""),
    tlsCa: v ? textOf(v, "tlsCa") : (c.tlsCa ?? ""),
  };
  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-5" aria-label="IDPartner banks and keys">
      <div className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700" data-testid="idpartner-rule">
        <p className="font-medium text-slate-900">What “verified” means with IDPartner</p>
        <p className="mt-1">{initial.rule}</p>
        <p className="mt-2">
          At IDPartner, create a <strong>relying-party application</strong> (not the “Auth0 social connection” one): origin URL{" "}
          <span className="break-all font-mono text-xs">{initial.originUrl}</span>, redirect URL{" "}
          <span className="break-all font-mono text-xs">{initial.redirectUri}</span>
          {initial.keyGenerated ? (
            <>
              , JWKS URL <span className="break-all font-mono text-xs">{initial.jwksUrl}</span>
            </>
          ) : null}
          .
        </p>
      </div>
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <p className="font-medium">
            {data.changed.length ? `Saved (${data.changed.join(", ")}). The next IDPartner login uses it.` : "Nothing changed."}
            {data.jwksUrl ? ` Register the JWKS URL ${data.jwksUrl} at IDPartner.` : ""}
          </p>
        )}
      </FormMessage>

      <fieldset className="space-y-1">
        <legend className="text-sm font-medium text-slate-800">How the banks authenticate the portal</legend>
        {(Object.keys(AUTH_LABELS) as IdpartnerConfig["auth"][]).map((m) => (
          <label key={m} className="flex items-start gap-2 text-sm text-slate-700">
            <input type="radio" name="auth" value={m} defaultChecked={d.auth === m} className="mt-1" />
            <span>{AUTH_LABELS[m]}</span>
          </label>
        ))}
      </fieldset>

      <Area
        name="allowedIssuers"
        label="Allowed banks (issuer URLs, one per line)"
        hint="The account selector's answer names the chosen bank's issuer; the portal goes only to these (and IDPartner's published list)."
        rows={4}
        defaultValue={d.allowedIssuers}
        errors={errors}
      />

      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" name="encryptResponses" defaultChecked={d.encryptResponses} />
        Banks encrypt their answers to the portal&apos;s key (RSA-OAEP / A256CBC-HS512); set the same at IDPartner.
      </label>

      <Area
        name="tlsCert"
        label="Mutual TLS certificate (PEM)"
        hint="The certificate registered at IDPartner (tls_client_auth)."
        rows={3}
        defaultValue={d.tlsCert}
        errors={errors}
      />
      <Area
        name="tlsKeySecret"
        label={
          initial.keySet && c.auth === "tls_client_auth"
            ? "Replace the certificate's private key (PEM)"
            : "The certificate's private key (PEM)"
        }
        hint="Stored encrypted, never shown; leave empty to keep the stored one."
        rows={3}
        defaultValue=""
        errors={errors}
      />
      <Area
        name="tlsCa"
        label="CA certificates of the banks' TLS (PEM, optional)"
        hint="Empty: the system's trusted CAs."
        rows={2}
        defaultValue={d.tlsCa}
        errors={errors}
      />

      <SubmitButton pending={pending} className={btn.primary}>
        Save IDPartner banks and keys
      </SubmitButton>
    </form>
  );
}
