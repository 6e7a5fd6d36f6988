"use client";

import { useState } from "react";
import Link from "next/link";
import { saveApplication } from "@/lib/settings/admin";
import { applicationSchema, MAX_INTERVAL_HOURS, type Policy } from "@/lib/settings/schema";
import { btn } from "../../_ui/kit";
import { Choice, FormMessage, ScopePicker, splitScopes, SubmitButton, useSchemaForm } from "../../settings/_components/form-bits";
import { GroupField, HoursField, TextField } from "../../settings/_components/fields";
import { hoursText, listOf, policyText, scopeText, textOf } from "../../settings/_components/format";

export interface ApplicationFormInitial {
  clientId: string;
  name: string;
  required: boolean;
  provider: string | null;
  policy: Policy | null;
  requiredGroup: string | null;
  scopes: string[];
  reverifyIntervalHours: number | null;
}

export interface GlobalSummary {
  policy: Policy;
  scopes: string[];
  requiredGroup: string | null;
  intervalHours: number;
}

const EMPTY: ApplicationFormInitial = {
  clientId: "",
  name: "",
  required: false,
  provider: null,
  policy: null,
  requiredGroup: null,
  scopes: [],
  reverifyIntervalHours: null,
};

/** Adds an application (intent "create") or edits one (intent "update"; the client id is its key and stays). */
export function ApplicationForm({
  intent,
  initial = EMPTY,
  global,
  providers,
}: {
  intent: "create" | "update";
  initial?: ApplicationFormInitial;
  global: GlobalSummary;
  /** The registered providers (lib/providers), beside "the global one". */
  providers: { id: string; name: string; description: string }[];
}) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveApplication, applicationSchema);

  // After an error the form shows what was submitted; after adding one, an empty form for the next.
  const v = state && !(state.ok && intent === "create") ? state.values : undefined;
  const d: Defaults = {
    clientId: v ? textOf(v, "clientId") : initial.clientId,
    name: v ? textOf(v, "name") : initial.name,
    required: v ? listOf(v, "required").includes("on") : initial.required,
    provider: v ? textOf(v, "provider", "inherit") : (initial.provider ?? "inherit"),
    policy: v ? textOf(v, "policy", "inherit") : (initial.policy ?? "inherit"),
    requiredGroup: v ? textOf(v, "requiredGroup") : (initial.requiredGroup ?? ""),
    reverifyIntervalHours: v
      ? textOf(v, "reverifyIntervalHours")
      : initial.reverifyIntervalHours === null
        ? ""
        : String(initial.reverifyIntervalHours),
    ...(v ? { selected: listOf(v, "scopes"), other: textOf(v, "scopesOther") } : splitScopes(initial.scopes)),
  };
  // A fresh key after each successful add starts the next one from empty fields.
  const fieldsKey = intent === "create" && state?.ok ? `added-${state.data.clientId}` : "fields";

  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-6">
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) =>
          data.created ? (
            <p>
              <span className="font-medium">Added {textOf(state?.values, "name")}.</span> Logins from{" "}
              <span className="font-mono">{data.clientId}</span> use these requirements from now on.{" "}
              <Link className="underline" href={`/admin/applications/${encodeURIComponent(data.clientId)}`}>
                Edit it
              </Link>
            </p>
          ) : (
            <p>
              <span className="font-medium">{data.changed.length ? "Saved." : "Nothing changed."}</span>
              {data.changed.length ? ` Changed: ${data.changed.join(", ")}. The next login from this application uses them.` : ""}
            </p>
          )
        }
      </FormMessage>
      <input type="hidden" name="intent" value={intent} />
      <ApplicationFields key={fieldsKey} intent={intent} d={d} errors={errors} global={global} providers={providers} />
      <SubmitButton pending={pending} className={btn.primary}>
        {intent === "create" ? "Add application" : "Save application"}
      </SubmitButton>
    </form>
  );
}

const CLIENT_ID_HINT = {
  update: "The key of this application; it cannot change.",
  create: "Auth0 Dashboard → Applications → your app → Client ID.",
};
const INHERIT_PROVIDER = { value: "inherit", label: "Global setting", description: "As in Settings." };
const choiceOf = (p: { id: string; name: string; description: string }) => ({ value: p.id, label: p.name, description: p.description });
const policies = (global: Policy) => [
  { value: "inherit", label: "Global setting", description: `Now: ${policyText(global)}.` },
  { value: "identity", label: "Identity", description: "Proves who the person is (IAL2)." },
  { value: "community", label: "Community", description: "Verifies a group (military, student, …)." },
];

interface Defaults {
  clientId: string;
  name: string;
  required: boolean;
  provider: string;
  policy: string;
  requiredGroup: string;
  reverifyIntervalHours: string;
  selected: string[];
  other: string;
}

function ApplicationFields({
  intent,
  d,
  errors,
  global,
  providers,
}: {
  intent: "create" | "update";
  d: Defaults;
  errors: Record<string, string[]>;
  global: GlobalSummary;
  providers: { id: string; name: string; description: string }[];
}) {
  const [policy, setPolicy] = useState(d.policy);
  const effectivePolicy = policy === "identity" || policy === "community" ? policy : global.policy;
  return (
    <>
      <div className="grid gap-5 sm:grid-cols-2">
        <TextField
          name="clientId"
          label="Auth0 client ID"
          hint={CLIENT_ID_HINT[intent]}
          errors={errors}
          defaultValue={d.clientId}
          readOnly={intent === "update"}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          mono
          width="read-only:bg-slate-100"
        />
        <TextField name="name" label="Name" hint="How staff and the verification page call it." errors={errors} defaultValue={d.name} />
      </div>

      <div className="space-y-1">
        <label className="flex items-start gap-3 rounded-md border border-slate-200 p-3 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50">
          <input
            type="checkbox"
            name="required"
            defaultChecked={d.required}
            aria-invalid={errors.required ? true : undefined}
            className="mt-1 h-4 w-4"
          />
          <span className="text-sm">
            <span className="font-medium text-slate-900">Verification required</span>
            <span className="mt-0.5 block text-slate-600">
              The portal-side <span className="font-mono text-xs">IDV_REQUIRED</span>: a login that is not verified fails. Unticked, people
              may choose “Not now”.
            </span>
          </span>
        </label>
        {errors.required ? <p className="text-sm text-rose-700">{errors.required.join(" ")}</p> : null}
      </div>

      <Choice
        name="provider"
        legend="Provider"
        value={d.provider}
        errors={errors}
        options={[INHERIT_PROVIDER, ...providers.map(choiceOf)]}
      />
      <Choice name="policy" legend="Policy" value={d.policy} errors={errors} onChange={setPolicy} options={policies(global.policy)} />

      <ScopePicker
        legend="Scopes"
        hint={`Tick nothing and leave the box empty to use the global scopes (now: ${global.scopes.map(scopeText).join(", ")}).`}
        selected={d.selected}
        other={d.other}
        errors={errors}
      />

      <div className="grid gap-5 sm:grid-cols-2">
        <GroupField
          hint={
            effectivePolicy === "community"
              ? `Empty: the global group${global.requiredGroup ? ` (now ${global.requiredGroup})` : ""}, else the first group among the scopes.`
              : "Used for community verification only."
          }
          errors={errors}
          defaultValue={d.requiredGroup}
        />
        <HoursField
          label="Re-verification interval (hours)"
          hint={`Empty: the global interval (now ${hoursText(global.intervalHours)}). 0 = at every login; at most ${MAX_INTERVAL_HOURS}.`}
          errors={errors}
          defaultValue={d.reverifyIntervalHours}
        />
      </div>
    </>
  );
}
