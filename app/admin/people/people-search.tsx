"use client";

import Link from "next/link";
import { useActionState } from "react";
import { personHref } from "@/lib/insight/links";
import { Field, btn, input } from "../_ui/kit";
import { findPeople } from "./actions";

/**
 * Find a person by the email they write in from or their name: Auth0's users
 * (Management API) and the provider emails in the portal's records. Works
 * without JavaScript (the form posts to the server action).
 */
export function PeopleSearchForm({ auth0Search }: { auth0Search: boolean }) {
  const [state, action, pending] = useActionState(findPeople, null);
  const errors = state && !state.ok ? state.error : null;
  const result = state?.ok ? state.data : null;
  const typed = typeof state?.values?.term === "string" ? state.values.term : "";
  return (
    <div className="space-y-4">
      <form action={action} role="search" aria-label="People by email or name" className="flex flex-wrap items-end gap-3" noValidate>
        <div className="min-w-64 flex-1">
          <Field
            name="person-term"
            label="Email address or name"
            hint={
              auth0Search
                ? "Searches Auth0's users (the email they sign in with, or their name) and the provider emails in the portal's records."
                : "Searches the provider emails in the portal's records (Auth0 search is not configured)."
            }
            errors={errors?.fieldErrors?.term}
          >
            <input
              id="person-term"
              name="term"
              defaultValue={typed}
              className={input}
              autoComplete="off"
              aria-invalid={errors?.fieldErrors?.term ? true : undefined}
              aria-describedby={`person-term-hint${errors?.fieldErrors?.term ? " person-term-error" : ""}`}
            />
          </Field>
        </div>
        <button className={btn.primary} disabled={pending}>
          {pending ? "Searching…" : "Search"}
        </button>
      </form>
      {errors && !errors.fieldErrors ? (
        <p role="alert" className="text-sm text-rose-700">
          {errors.message}
        </p>
      ) : null}
      {result ? (
        <div role="status" className="space-y-3" data-testid="people-results">
          {result.auth0Problem ? <p className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900">{result.auth0Problem}</p> : null}
          {result.found.length === 0 ? (
            <p className="text-sm text-slate-700">
              Nobody found for “{result.term}”
              {result.auth0Search ? " in Auth0 or in the portal's records." : " in the portal's records (Auth0 search is not configured)."}
            </p>
          ) : (
            <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200">
              {result.found.map((p) => (
                <li key={p.auth0UserId} className="flex flex-wrap items-baseline justify-between gap-2 p-3 text-sm">
                  <div>
                    <p className="font-medium text-slate-900">{p.auth0?.name ?? p.auth0?.email ?? p.auth0UserId}</p>
                    <p className="text-slate-700">
                      {p.auth0?.email ? `${p.auth0.email} · ` : ""}
                      <span className="font-mono text-xs">{p.auth0UserId}</span>
                    </p>
                    <p className="text-xs text-slate-600">
                      {[p.auth0 ? "found in Auth0" : null, p.providerEmail ? "provider email in a record" : null]
                        .filter(Boolean)
                        .join(" · ")}
                    </p>
                  </div>
                  {p.known ? (
                    <Link className={btn.secondary} href={personHref(p.auth0UserId)}>
                      Show person
                    </Link>
                  ) : (
                    <span className="text-xs text-slate-600">No verification or attempt in the portal yet</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
