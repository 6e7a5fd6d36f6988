import { redirect } from "next/navigation";
import { guardPage } from "@/lib/staff/guard";
import { findAuth0UserId } from "@/lib/insight/person";
import { personHref } from "@/lib/insight/links";
import { managementConfig } from "@/lib/auth0/management";
import { Card, PageHeader, btn, input } from "../_ui/kit";
import { PeopleSearchForm } from "./people-search";

export const metadata = { title: "People" };

// Find one person by their Auth0 user id or the portal's id for them, then show everything about them.
export default async function PeoplePage({ searchParams }: { searchParams: Promise<{ id?: string | string[] }> }) {
  await guardPage("support", "/admin/people");
  const raw = (await searchParams).id;
  const term = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? "";
  const found = term ? await findAuth0UserId(term) : null;
  if (found) redirect(personHref(found));
  const auth0Search = managementConfig() !== null;
  return (
    <>
      <PageHeader
        title="People"
        description="Everything the portal knows about one Auth0 user: records, attempts, and whether they would pass each application now."
      />
      <div className="space-y-6">
        <Card title="Find by email or name">
          {auth0Search ? null : (
            <p className="mb-3 rounded-lg bg-amber-50 p-3 text-sm text-amber-900" data-testid="auth0-search-off">
              Auth0 search is not configured: only the provider emails in the portal&apos;s records are searched, not the email people sign
              in with. To find people by their Auth0 email or name, give the portal a machine-to-machine application with the{" "}
              <code>read:users</code> scope on the Auth0 Management API (AUTH0_MANAGEMENT_CLIENT_ID and AUTH0_MANAGEMENT_CLIENT_SECRET).
            </p>
          )}
          <PeopleSearchForm auth0Search={auth0Search} />
        </Card>
        <Card title="Find by id">
          <form method="get" action="/admin/people" role="search" className="flex flex-wrap items-end gap-3">
            <div className="min-w-64 flex-1 space-y-1">
              <label htmlFor="person-id" className="block text-sm font-medium text-slate-800">
                Auth0 user id or portal id
              </label>
              <input
                id="person-id"
                name="id"
                defaultValue={term}
                placeholder="auth0|64b7f0e2c1a9… or idv_…"
                className={`${input} font-mono`}
                aria-invalid={term ? true : undefined}
                aria-describedby={term ? "person-id-hint person-id-error" : "person-id-hint"}
                autoComplete="off"
                spellCheck={false}
              />
              <p id="person-id-hint" className="text-xs text-slate-500">
                The Auth0 user id is in the Auth0 dashboard (User Management → Users) and in the application&apos;s ID token (
                <code>sub</code>
                ); the portal id is the <code>https://id-verification/id</code> claim.
              </p>
              {term ? (
                <p id="person-id-error" role="alert" className="text-sm text-rose-700">
                  The portal has never seen “{term}”: no verification and no attempt. Check the id, or search by email or name above.
                </p>
              ) : null}
            </div>
            <button className={btn.primary}>Show</button>
          </form>
        </Card>
      </div>
    </>
  );
}
