"use client";

import { saveRetention } from "@/lib/settings/retention-admin";
import {
  MAX_RETENTION_DAYS,
  RETENTION_DEFAULTS,
  RETENTION_LABELS,
  daysText,
  retentionSchema,
  type Retention,
} from "@/lib/settings/retention-schema";
import { btn, Field, input } from "../_ui/kit";
import { aria, FormMessage, SubmitButton, useSchemaForm } from "./_components/form-bits";
import { textOf } from "./_components/format";

const HINTS: Record<keyof Retention, string> = {
  rawAnswerDays: `Days after its check that the provider's raw answer (userinfo, ID token claims) is kept. Empty: as long as the record's attributes (the default: ID.me advises keeping its answers for audit). 0 = cleared at the next purge.`,
  attributesDays: `Days a record's personal data (attributes, raw answer, email lookup) is kept after its verification ends: revoked, or expired for every application. The record itself (status, dates, groups) stays. Default ${RETENTION_DEFAULTS.attributesDays}.`,
  failedAttemptDays: `Days failed, declined, errored or abandoned attempts of a known person are kept, with their timelines. Verified attempts stay with their record. Default ${RETENTION_DEFAULTS.failedAttemptDays}.`,
  anonymousAttemptDays: `Days attempts that never reached a person (bad, forged or reused tokens) are kept, with their timelines. Default ${RETENTION_DEFAULTS.anonymousAttemptDays}.`,
  auditDays: `Days audit log entries are kept (each purge run adds one with its counts). At least 30. Default ${RETENTION_DEFAULTS.auditDays} (six years).`,
};

const FIELDS = Object.keys(HINTS) as (keyof Retention)[];

/** Admins set how long each kind of data is kept; the daily purge applies it (README "Personal data: what is kept"). */
export function RetentionForm({ initial }: { initial: Retention }) {
  const { state, formAction, pending, errors, clientBlocked, onSubmit, formRef } = useSchemaForm(saveRetention, retentionSchema);
  const v = state?.values;
  const shown = (k: keyof Retention) => (v ? textOf(v, k) : initial[k] === null ? "" : String(initial[k]));

  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-5" aria-label="Retention">
      <FormMessage state={state} clientBlocked={clientBlocked}>
        {(data) => (
          <p className="font-medium">
            {data.changed.length
              ? `Saved: ${data.changed.map((k) => RETENTION_LABELS[k as keyof Retention] ?? k).join(", ")}. The next purge applies it.`
              : "Nothing changed: the retention was already like this."}
          </p>
        )}
      </FormMessage>
      {FIELDS.map((k) => (
        <Field key={k} name={k} label={`${RETENTION_LABELS[k]}, in days`} hint={HINTS[k]} errors={errors[k]}>
          <input
            {...aria(k, errors, true)}
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_RETENTION_DAYS}
            step={1}
            defaultValue={shown(k)}
            placeholder={k === "rawAnswerDays" ? daysText(null) : undefined}
            className={`${input} max-w-[16rem]`}
          />
        </Field>
      ))}
      <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-5">
        <SubmitButton pending={pending} className={btn.primary}>
          Save retention
        </SubmitButton>
        <p className="text-sm text-slate-600">
          The purge runs every day at 03:17 UTC; <span className="font-mono text-xs">npm run maintenance -- --dry-run</span> shows what it
          would remove now.
        </p>
      </div>
    </form>
  );
}
