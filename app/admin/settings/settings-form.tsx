"use client";

import { useState } from "react";
import { saveSettings } from "@/lib/settings/admin";
import { MAX_INTERVAL_HOURS, settingsSchema } from "@/lib/settings/schema";
import { Field, input } from "../_ui/kit";
import { aria, Choice, FormMessage, ScopePicker, splitScopes, useSchemaForm } from "./_components/form-bits";
import { GroupField, HoursField, OtherErrors, SaveBar, SavedNote } from "./_components/fields";
import { hoursText, listOf, textOf } from "./_components/format";

/** The global settings: what every login must prove unless its application says otherwise (requirements only). */

export interface SettingsFormInitial {
  /** The global provider, and the registered ones to choose from. */
  provider: string;
  providers: { id: string; name: string }[];
  verificationType: "identity" | "community";
  scopes: string[];
  requiredGroup: string | null;
  reverifyIntervalHours: number;
  returnMethod: "post" | "get";
}

const TYPE_LEGEND = "Verification type (ID.me's “Community or Identity”)";
const TYPES = [
  { value: "identity", label: "Identity", description: "ID.me proves who the person is (IAL2). Needs the IAL2 scope." },
  {
    value: "community",
    label: "Community",
    description: "ID.me verifies membership of a group (military, student, …). Needs a group scope.",
  },
];
const RETURNS = [
  {
    value: "post",
    label: "POST (recommended)",
    description: "An auto-submitting form: the token stays out of URLs and logs, as Auth0 recommends.",
  },
  { value: "get", label: "GET", description: "The token in the query string; only for setups that cannot take a POST." },
];

const GROUP_HINT = {
  community: "The group that must be verified. Empty: the first group among the scopes.",
  identity: "Used for community verification only; ignored for identity.",
};

const FIELDS = ["provider", "verificationType", "scopes", "requiredGroup", "reverifyIntervalHours", "returnMethod"];

export function SettingsForm({ initial }: { initial: SettingsFormInitial }) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveSettings, settingsSchema);

  // After a round trip the form shows what was submitted; before, what is stored.
  const v = state?.values;
  const d = {
    provider: v ? textOf(v, "provider") || initial.provider : initial.provider,
    verificationType: v ? textOf(v, "verificationType") : initial.verificationType,
    requiredGroup: v ? textOf(v, "requiredGroup") : (initial.requiredGroup ?? ""),
    reverifyIntervalHours: v ? textOf(v, "reverifyIntervalHours") : String(initial.reverifyIntervalHours),
    returnMethod: v ? textOf(v, "returnMethod") : initial.returnMethod,
    ...(v ? { selected: listOf(v, "scopes"), other: textOf(v, "scopesOther") } : splitScopes(initial.scopes)),
  };

  // Shown live while editing: whether the group applies, and what the interval means.
  const [type, setType] = useState(d.verificationType);
  const [hours, setHours] = useState(d.reverifyIntervalHours);
  const hoursNumber = /^\d{1,4}$/.test(hours.trim()) ? Number(hours.trim()) : null;

  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-8">
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <>
            <SavedNote
              changed={data.changed}
              saved="Saved. The next login uses these settings; no restart needed."
              unchanged="Nothing changed: the settings were already like this."
            />
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
      <OtherErrors errors={errors} fields={FIELDS} />

      <section className="space-y-5" aria-label="What is verified">
        <h2 className="text-base font-semibold">What is verified</h2>
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
          legend={TYPE_LEGEND}
          value={d.verificationType}
          errors={errors}
          onChange={setType}
          options={TYPES}
        />

        <ScopePicker
          legend="Scopes asked of ID.me"
          hint="Tick the policies to request; anything else ID.me gave you goes below, one per line. Without openid the plain OAuth flow is used (no ID token)."
          selected={d.selected}
          other={d.other}
          errors={errors}
        />

        <GroupField hint={GROUP_HINT[type === "community" ? "community" : "identity"]} errors={errors} defaultValue={d.requiredGroup} />

        <HoursField
          label="Re-verification interval, in hours (ID.me's “Timestamp”)"
          hint={`How long a successful check counts before the person is sent to ID.me again: 0 = at every login, ${MAX_INTERVAL_HOURS} at most (a year).${hoursNumber !== null && hoursNumber <= MAX_INTERVAL_HOURS ? ` Now: verify ${hoursText(hoursNumber)}.` : ""}`}
          errors={errors}
          defaultValue={d.reverifyIntervalHours}
          onChange={setHours}
        />
      </section>

      <section className="space-y-5 border-t border-slate-200 pt-6" aria-label="Back to Auth0">
        <h2 className="text-base font-semibold">Back to Auth0</h2>
        <Choice
          name="returnMethod"
          legend="How the result returns to Auth0's /continue"
          value={d.returnMethod}
          errors={errors}
          options={RETURNS}
        />
      </section>

      <SaveBar pending={pending} className="pt-6">
        Save settings
      </SaveBar>
    </form>
  );
}
