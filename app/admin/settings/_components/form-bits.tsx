"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import type { z } from "zod";
import type { FormState } from "@/lib/staff/guard";
import { fieldErrorsOf, formValues, KNOWN_SCOPES, type KnownScope } from "@/lib/settings/schema";
import { Field, input } from "../../_ui/kit";
import { scopeText } from "./format";

/**
 * The pieces the settings and application forms share: a `useActionState`
 * form checked with the same zod schema before it is sent (the server checks
 * again), errors next to each field, focus moved to the first one.
 */

type Action<R> = (prev: FormState<R>, form: FormData) => Promise<FormState<R>>;

export function useSchemaForm<R>(action: Action<R>, schema: z.ZodType) {
  const [state, formAction, pending] = useActionState(action, null);
  const [clientErrors, setClientErrors] = useState<Record<string, string[]> | null>(null);
  const [checks, setChecks] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const router = useRouter();

  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    const result = schema.safeParse(formValues(new FormData(event.currentTarget)));
    setChecks((n) => n + 1);
    if (result.success) return setClientErrors(null);
    event.preventDefault(); // nothing is sent; what was typed stays
    setClientErrors(fieldErrorsOf(result.error));
  };

  const errors: Record<string, string[]> = clientErrors ?? (state && !state.ok ? (state.error.fieldErrors ?? {}) : {});

  // Marks the form as checked in the browser from now on (before this, a submit goes to the server unchecked).
  useEffect(() => {
    formRef.current?.setAttribute("data-ready", "");
  }, []);

  // After a check with errors, the keyboard lands on the first field to fix.
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [checks, state]);

  // A saved change: the server-rendered parts of the page (lists, "effective" columns) read it again.
  useEffect(() => {
    if (state?.ok) router.refresh();
  }, [state, router]);

  return { state, formAction, pending, errors, clientBlocked: clientErrors !== null, onSubmit, formRef };
}

/**
 * aria props tying an input to its hint and error (ids as kit's Field makes them).
 * `idPrefix` keeps the ids apart when two forms on one page share field names.
 */
export function aria(name: string, errors: Record<string, string[]>, hint = false, idPrefix = "") {
  const id = `${idPrefix}${name}`;
  const ids = [hint ? `${id}-hint` : null, errors[name]?.length ? `${id}-error` : null].filter(Boolean).join(" ");
  return { id, name, "aria-invalid": errors[name]?.length ? true : undefined, "aria-describedby": ids || undefined } as const;
}

/**
 * A row's id: typed when the row is new (it cannot change later), else sent along unseen.
 * `value`: what the field shows (the typed value after a refusal, or the initial one).
 */
export function IdField({
  isNew,
  id,
  value,
  prefix,
  errors,
}: {
  isNew: boolean;
  id: string;
  value: string;
  prefix: string;
  errors: Record<string, string[]>;
}) {
  if (!isNew) return <input type="hidden" name="id" value={id} />;
  return (
    <Field name={`${prefix}id`} label="Id" hint="Lower-case letters, digits or dashes; it cannot change later." errors={errors.id}>
      <input {...aria("id", errors, true, prefix)} defaultValue={value} className={`${input} max-w-[16rem]`} />
    </Field>
  );
}

export function FieldError({ name, errors, idPrefix = "" }: { name: string; errors: Record<string, string[]>; idPrefix?: string }) {
  return errors[name]?.length ? (
    <p id={`${idPrefix}${name}-error`} role="alert" className="text-sm text-rose-700">
      {errors[name]!.join(" ")}
    </p>
  ) : null;
}

/** kit's Field for a form whose ids carry a prefix (pair it with `aria(name, errors, hint, idPrefix)`). */
export function PrefixedField({
  idPrefix,
  name,
  label,
  hint,
  errors,
  children,
}: {
  idPrefix: string;
  name: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  errors: Record<string, string[]>;
  children: React.ReactNode;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={`${idPrefix}${name}`} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
      {hint ? (
        <p id={`${idPrefix}${name}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      <FieldError name={name} errors={errors} idPrefix={idPrefix} />
    </div>
  );
}

/** The form's outcome above its fields: errors as an alert, success as a status. */
export function FormMessage<R>({
  state,
  clientBlocked,
  children,
}: {
  state: FormState<R>;
  clientBlocked: boolean;
  children?: (data: R) => React.ReactNode;
}) {
  let body: React.ReactNode = null;
  if (clientBlocked) {
    body = <Alert>Some fields need attention; nothing was sent.</Alert>;
  } else if (state && !state.ok) {
    body = (
      <Alert>
        {state.error.message}
        {state.error.code === "anonymous" ? (
          <>
            {" "}
            <a
              className="underline"
              href={`/auth/login?returnTo=${encodeURIComponent(typeof window === "undefined" ? "/admin" : window.location.pathname)}`}
            >
              Sign in again
            </a>
          </>
        ) : null}
        {state.error.fieldErrors?._ ? ` ${state.error.fieldErrors._.join(" ")}` : null}
      </Alert>
    );
  } else if (state?.ok && children) {
    body = (
      <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
        {children(state.data)}
      </div>
    );
  }
  return <div aria-live="polite">{body}</div>;
}

function Alert({ children }: { children: React.ReactNode }) {
  return (
    <div role="alert" className="rounded-md border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">
      {children}
    </div>
  );
}

export function SubmitButton({ pending, children, className }: { pending: boolean; children: React.ReactNode; className: string }) {
  return (
    <button type="submit" className={className} disabled={pending} aria-disabled={pending}>
      {pending ? "Saving…" : children}
    </button>
  );
}

/** A choice of a few options as radio buttons, each with a line of explanation. */
export function Choice({
  name,
  legend,
  options,
  value,
  errors,
  onChange,
}: {
  name: string;
  legend: string;
  options: { value: string; label: string; description?: React.ReactNode }[];
  value: string;
  errors: Record<string, string[]>;
  onChange?: (value: string) => void;
}) {
  const invalid = errors[name]?.length ? true : undefined;
  return (
    <fieldset className="space-y-2" aria-describedby={invalid ? `${name}-error` : undefined}>
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className={`grid gap-2 ${options.length === 3 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`}>
        {options.map((o, i) => (
          <label
            key={o.value}
            className="flex cursor-pointer items-start gap-3 rounded-md border border-slate-200 p-3 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50"
          >
            <input
              type="radio"
              name={name}
              value={o.value}
              defaultChecked={value === o.value}
              aria-invalid={i === 0 ? invalid : undefined}
              onChange={(e) => e.target.checked && onChange?.(o.value)}
              className="mt-1 h-4 w-4"
            />
            <span className="text-sm">
              <span className="font-medium text-slate-900">{o.label}</span>
              {o.description ? <span className="mt-0.5 block text-slate-600">{o.description}</span> : null}
            </span>
          </label>
        ))}
      </div>
      <FieldError name={name} errors={errors} />
    </fieldset>
  );
}

const SECTIONS: { title: string; kind: KnownScope["kind"] }[] = [
  { title: "Sign-in", kind: "oidc" },
  { title: "Identity", kind: "identity" },
  { title: "Community groups", kind: "community" },
  { title: "COVID-19 policies", kind: "covid" },
];

/** The known ID.me scopes as checkboxes (`scopes`), anything else one per line (`scopesOther`). */
export function ScopePicker({
  legend,
  hint,
  selected,
  other,
  errors,
}: {
  legend: string;
  hint?: React.ReactNode;
  selected: string[];
  other: string;
  errors: Record<string, string[]>;
}) {
  const invalid = errors.scopes?.length ? true : undefined;
  return (
    <fieldset
      className="space-y-3"
      aria-describedby={[hint ? "scopes-hint" : "", invalid ? "scopes-error" : ""].join(" ").trim() || undefined}
    >
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      {hint ? (
        <p id="scopes-hint" className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        {SECTIONS.map((section) => (
          <div key={section.kind}>
            <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{section.title}</p>
            <ul className="mt-1 space-y-1">
              {KNOWN_SCOPES.filter((k) => k.kind === section.kind).map((k) => (
                <li key={k.scope}>
                  <label className="flex items-start gap-2 py-0.5 text-sm">
                    <input
                      type="checkbox"
                      name="scopes"
                      value={k.scope}
                      defaultChecked={selected.includes(k.scope)}
                      className="mt-0.5 h-4 w-4 shrink-0"
                    />
                    <span className="min-w-0">
                      <span className="font-mono text-xs text-slate-900">{scopeText(k.scope)}</span>{" "}
                      <span className="text-slate-600">{k.kind === "covid" ? "" : k.label}</span>
                      {scopeText(k.scope) !== k.scope ? <span className="block break-all text-xs text-slate-500">{k.scope}</span> : null}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
      <div className="space-y-1">
        <label htmlFor="scopesOther" className="block text-sm font-medium text-slate-800">
          Other scopes <span className="font-normal text-slate-500">(one per line)</span>
        </label>
        <textarea
          id="scopesOther"
          name="scopesOther"
          rows={3}
          defaultValue={other}
          aria-invalid={invalid}
          aria-describedby={invalid ? "scopes-error" : undefined}
          spellCheck={false}
          autoCapitalize="none"
          className={`${input} font-mono`}
        />
      </div>
      <FieldError name="scopes" errors={errors} />
    </fieldset>
  );
}

/** Splits stored scopes into ticked known ones and the rest (one per line). */
export function splitScopes(scopes: readonly string[]): { selected: string[]; other: string } {
  const known = new Set(KNOWN_SCOPES.map((k) => k.scope));
  return { selected: scopes.filter((s) => known.has(s)), other: scopes.filter((s) => !known.has(s)).join("\n") };
}
