"use client";

import { saveBranding } from "./branding-action";
import { brandingFormSchema } from "@/lib/flow/branding-schema";
import { btn, input } from "../../_ui/kit";
import { FormMessage, PrefixedField, SubmitButton, aria, useSchemaForm } from "../../settings/_components/form-bits";
import type { Branding } from "@/lib/flow/branding-schema";

const P = "branding-";

/** The application's branding and help on the person's pages: logo, accent colour, support and privacy links. */
export function BrandingForm({ clientId, initial }: { clientId: string; initial: Branding }) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveBranding, brandingFormSchema);
  const value = (name: keyof Branding) => (state?.values?.[name] as string | undefined) ?? initial[name] ?? "";
  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Branding and help">
      <input type="hidden" name="clientId" value={clientId} />
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(d) => (d.changed.length ? `Saved. The person's pages of this application show it now.` : "Nothing changed.")}
      </FormMessage>
      <PrefixedField
        idPrefix={P}
        name="logoUrl"
        label="Logo"
        hint="An https address, or a small data:image (png, jpeg, gif, webp, svg). Shown at the top of every page."
        errors={errors}
      >
        <input className={input} defaultValue={value("logoUrl")} {...aria("logoUrl", errors, true, P)} />
      </PrefixedField>
      <PrefixedField
        idPrefix={P}
        name="accentColor"
        label="Accent colour"
        hint="A hex colour such as #1f5fbf, for the main button; it must keep white text readable (contrast 4.5:1)."
        errors={errors}
      >
        <input className={input} defaultValue={value("accentColor")} placeholder="#1f5fbf" {...aria("accentColor", errors, true, P)} />
      </PrefixedField>
      <PrefixedField
        idPrefix={P}
        name="supportContact"
        label="Support"
        hint="An https address or an email address; failure pages link to it."
        errors={errors}
      >
        <input className={input} defaultValue={value("supportContact")} {...aria("supportContact", errors, true, P)} />
      </PrefixedField>
      <PrefixedField idPrefix={P} name="privacyUrl" label="Privacy notice" hint="An https address." errors={errors}>
        <input className={input} defaultValue={value("privacyUrl")} {...aria("privacyUrl", errors, true, P)} />
      </PrefixedField>
      <SubmitButton pending={pending} className={btn.primary}>
        Save branding
      </SubmitButton>
    </form>
  );
}
