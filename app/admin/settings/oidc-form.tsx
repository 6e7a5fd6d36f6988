"use client";

import { useState } from "react";
import { saveOidcProvider } from "@/lib/settings/admin";
import { oidcFormSchema, STANDARD_MAPPING } from "@/lib/providers/oidc/form";
import type { OidcConfig } from "@/lib/providers/oidc/config";
import { ATTRIBUTE_FIELDS, type AttributeField } from "@/lib/providers/vocabulary";
import { btn, input } from "../_ui/kit";
import { aria, FieldError, FormMessage, PrefixedField, SubmitButton, useSchemaForm } from "./_components/form-bits";
import { ClientIdField, TextField, UrlField } from "./_components/fields";
import { textOf } from "./_components/format";

export interface OidcFormInitial {
  issuer: string;
  clientId: string;
  secretSet: boolean;
  keyGenerated: boolean;
  config: Partial<OidcConfig>;
  jwksUrl: string;
  redirectUri: string;
}

const P = "oidc-";
const FIELD_LABELS: Record<AttributeField, string> = {
  givenName: "Given name",
  familyName: "Family name",
  email: "Email",
  birthDate: "Birth date",
  phone: "Phone",
  street: "Street",
  city: "City",
  state: "State / region",
  zip: "Postal code",
  country: "Country",
};

/** The "OpenID Connect provider": every part of its set-up, in one form. */
export function OidcProviderForm({ initial }: { initial: OidcFormInitial }) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveOidcProvider, oidcFormSchema);
  const v = state?.values;
  const c = initial.config;
  const verified = c.verified;
  const d = (name: string, stored: string) => (v ? textOf(v, name) : stored);
  const [auth, setAuth] = useState(d("auth", c.auth ?? "client_secret_basic"));
  const [kind, setKind] = useState(d("verifiedKind", verified?.kind ?? "acr"));
  const at = (name: string) => ({ idPrefix: P, name, errors });

  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-5" aria-label="OpenID Connect provider">
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <>
            <p className="font-medium">
              {data.changed.length ? "Saved. The next login with this provider uses it; no restart needed." : "Nothing changed."}
            </p>
            {data.changed.length ? <p className="mt-1">Changed: {data.changed.join(", ")}.</p> : null}
            {data.jwksUrl ? (
              <p className="mt-1">
                Register this JWKS URL at the provider: <span className="break-all font-mono text-xs">{data.jwksUrl}</span>
              </p>
            ) : null}
          </>
        )}
      </FormMessage>

      <TextField
        {...at("displayName")}
        label="Name people know it by"
        hint="Shown to the person: “Verify with …”."
        defaultValue={d("displayName", c.displayName ?? "")}
      />
      <UrlField
        {...at("issuer")}
        label="Issuer"
        hint="The portal reads <issuer>/.well-known/openid-configuration for every endpoint and the provider's signing keys."
        defaultValue={d("issuer", initial.issuer)}
      />
      <ClientIdField
        idPrefix={P}
        errors={errors}
        hint={`Redirect URI to register: ${initial.redirectUri}`}
        defaultValue={d("clientId", initial.clientId)}
      />

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Client authentication</legend>
        {(
          [
            ["client_secret_basic", "client_secret_basic", "The secret in an HTTP Basic header."],
            ["client_secret_post", "client_secret_post", "The secret in the token request's form."],
            [
              "private_key_jwt",
              "private_key_jwt",
              "A JWT signed with a key the portal generates; the provider reads the public key at the JWKS URL.",
            ],
          ] as const
        ).map(([value, label, hint]) => (
          <label key={value} className="flex items-start gap-2 text-sm">
            <input type="radio" name="auth" value={value} checked={auth === value} onChange={() => setAuth(value)} className="mt-1" />
            <span>
              <span className="font-mono">{label}</span> <span className="text-slate-500">{hint}</span>
            </span>
          </label>
        ))}
        <FieldError name="auth" errors={errors} idPrefix={P} />
      </fieldset>
      {auth === "private_key_jwt" ? (
        <p className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm" data-testid="oidc-jwks">
          {initial.keyGenerated ? "The portal's signing key is generated. " : "The portal generates its signing key when you save. "}
          JWKS URL to register at the provider: <span className="break-all font-mono text-xs">{initial.jwksUrl}</span>
        </p>
      ) : (
        <PrefixedField
          idPrefix={P}
          name="clientSecret"
          label={initial.secretSet ? "Replace client secret" : "Client secret"}
          hint={initial.secretSet ? "Stored encrypted and never shown; leave empty to keep it." : "Required: no secret is stored yet."}
          errors={errors}
        >
          <input
            {...aria("clientSecret", errors, true, P)}
            type="password"
            defaultValue=""
            autoComplete="new-password"
            className={`${input} max-w-md font-mono`}
          />
        </PrefixedField>
      )}

      <TextField
        {...at("scopes")}
        mono
        label="Scopes"
        hint="Separated by spaces; openid is always asked for."
        defaultValue={d("scopes", (c.scopes ?? ["openid", "profile", "email"]).join(" "))}
      />
      <TextField
        {...at("acrValues")}
        mono
        label="acr_values (optional)"
        hint="Sent with the authorization request, e.g. http://idmanagement.gov/ns/assurance/ial/2."
        defaultValue={d("acrValues", c.acrValues ?? "")}
      />
      <PrefixedField
        idPrefix={P}
        name="claims"
        label="claims request (optional)"
        hint="The claims parameter as JSON (OpenID Connect Core 5.5), e.g. to ask for verified_claims."
        errors={errors}
      >
        <textarea
          {...aria("claims", errors, true, P)}
          rows={3}
          defaultValue={d("claims", c.claims ?? "")}
          className={`${input} font-mono text-xs`}
        />
      </PrefixedField>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">What “verified” means</legend>
        {(
          [
            ["acr", "The ID token's acr is a given value"],
            ["verified_claims", "verified_claims (OpenID Connect for Identity Assurance) under an accepted trust framework"],
            ["claim", "A claim equals a value"],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="flex items-start gap-2 text-sm">
            <input
              type="radio"
              name="verifiedKind"
              value={value}
              checked={kind === value}
              onChange={() => setKind(value)}
              className="mt-1"
            />
            <span>{label}</span>
          </label>
        ))}
        {kind === "acr" ? (
          <TextField
            {...at("verifiedAcr")}
            mono
            label="acr value"
            defaultValue={d("verifiedAcr", verified?.kind === "acr" ? verified.acr : "")}
          />
        ) : kind === "verified_claims" ? (
          <TextField
            {...at("trustFrameworks")}
            mono
            label="Accepted trust frameworks"
            hint="Separated by spaces, e.g. uk_tfida de_aml."
            defaultValue={d("trustFrameworks", verified?.kind === "verified_claims" ? verified.trustFrameworks.join(" ") : "")}
          />
        ) : (
          <div className="grid grid-cols-2 gap-3">
            <TextField
              {...at("verifiedClaim")}
              mono
              label="Claim"
              defaultValue={d("verifiedClaim", verified?.kind === "claim" ? verified.claim : "")}
            />
            <TextField
              {...at("verifiedValue")}
              mono
              label="equals"
              defaultValue={d("verifiedValue", verified?.kind === "claim" ? verified.value : "")}
            />
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Attribute mapping</legend>
        <p className="mb-2 text-xs text-slate-500">Which claim fills each field of the record (dots for nested claims; empty: not kept).</p>
        <div className="grid grid-cols-2 gap-x-4 gap-y-2">
          {ATTRIBUTE_FIELDS.map((f) => (
            <label key={f} className="text-sm">
              <span className="block text-slate-700">{FIELD_LABELS[f]}</span>
              <input
                {...aria(`map_${f}`, errors, false, P)}
                defaultValue={d(`map_${f}`, c.mapping?.[f] ?? STANDARD_MAPPING[f])}
                className={`${input} font-mono text-xs`}
              />
              <FieldError name={`map_${f}`} errors={errors} idPrefix={P} />
            </label>
          ))}
        </div>
      </fieldset>

      <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-5">
        <SubmitButton pending={pending} className={btn.primary}>
          Save OpenID Connect provider
        </SubmitButton>
      </div>
    </form>
  );
}
