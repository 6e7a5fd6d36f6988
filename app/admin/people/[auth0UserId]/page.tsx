import Link from "next/link";
import { redirect } from "next/navigation";
import { guardPage } from "@/lib/staff/guard";
import { personView } from "@/lib/insight/person";
import { InvalidAttemptCursorError, listAttempts } from "@/lib/insight/attempts";
import { attemptHref, personHref, query, recordHref, segment } from "@/lib/insight/links";
import { policyLabel, applicationNames, findAttemptByReference } from "@/lib/records";
import { explain } from "@/lib/support/explanations";
import { headline } from "@/lib/insight/failures";
import { statusOf, type AccessStatus } from "@/lib/access";
import { Badge, Card, PageHeader, btn, TableHead } from "../../_ui/kit";
import { Time } from "../../_ui/time";
import { AttemptLeadCells } from "../../_ui/filters";
import { nameOf, providerNames } from "@/lib/insight/providers";
import { CopySummary } from "../../_support/CopySummary";
import { RevokeForm } from "../../_support/RevokeForm";
import { EraseForm } from "../../_support/EraseForm";

export const metadata = { title: "Person" };

// What GET /api/verification/status answers the Auth0 Action (lib/access), per application.
const ACTION_STATUS: Record<AccessStatus, { label: string; tone: string; note: string }> = {
  valid: {
    label: "valid",
    tone: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    note: "The Auth0 Action's status check answers “valid”: the login goes on without a trip to the portal.",
  },
  revoked: {
    label: "revoked",
    tone: "bg-slate-100 text-slate-700 ring-slate-300",
    note: "The Auth0 Action's status check answers “revoked”: the person is sent to verify again at their next login.",
  },
  expired: {
    label: "expired",
    tone: "bg-amber-50 text-amber-900 ring-amber-200",
    note: "The Auth0 Action's status check answers “expired”: the last successful check is outside the interval.",
  },
  not_verified: {
    label: "not verified",
    tone: "bg-amber-50 text-amber-900 ring-amber-200",
    note: "The Auth0 Action's status check answers “not_verified”: no record fits what the application asks for.",
  },
  none: {
    label: "none",
    tone: "bg-slate-50 text-slate-700 ring-slate-200",
    note: "The Auth0 Action's status check answers “none”: no verification record yet.",
  },
};

// Everything about one Auth0 user, without personal data (no attributes for any role here).
export default async function PersonPage({
  params,
  searchParams,
}: {
  params: Promise<{ auth0UserId: string }>;
  searchParams: Promise<{ before?: string | string[]; done?: string | string[] }>;
}) {
  const { auth0UserId: rawId } = await params;
  const id = segment(rawId);
  const staff = await guardPage("support", personHref(id));
  const view = await personView(id);
  const providerName = nameOf(await providerNames(view?.records.map((r) => r.provider) ?? []));
  // Never seen: the search page says so, with the id in the box.
  if (!view) redirect(`/admin/people${query({ id })}`);
  const { before: rawBefore, done } = await searchParams;
  const before = (Array.isArray(rawBefore) ? rawBefore[0] : rawBefore) || null;

  // Older attempts: the next keyset page after the newest 50.
  let attempts = view.attempts;
  let next = view.olderAttempts;
  if (before) {
    try {
      const names = await applicationNames();
      const page = await listAttempts({ auth0UserId: view.auth0UserId }, { cursor: before, size: 50 });
      attempts = page.rows.map((a) => ({
        ...a,
        applicationName: a.auth0ClientId ? (names.get(a.auth0ClientId) ?? null) : null,
        headline: a.failureCode ? headline(explain(a.failureCode)?.what) || null : null,
      }));
      next = page.nextCursor;
    } catch (err) {
      if (!(err instanceof InvalidAttemptCursorError)) throw err;
    }
  }
  const action = ACTION_STATUS[view.actionStatus]!;
  // The newest attempt, when it failed: what a caller is most likely ringing about.
  const latest = view.attempts[0];
  const problem =
    latest && ["failed", "declined", "error"].includes(latest.status) ? await findAttemptByReference(latest.referenceCode) : null;
  const problemExplanation = problem ? explain(problem.failureCode) : null;
  const verified = view.records.filter((r) => r.status === "verified");
  const names = new Map(view.applications.filter((a) => a.clientId).map((a) => [a.clientId!, a.name]));
  const appName = (clientId: string | null) => (clientId ? (names.get(clientId) ?? clientId) : "—");

  return (
    <>
      <PageHeader
        title="Person"
        description="Records, attempts and the current status for every application. No personal data is shown here."
      >
        <Link href="/admin/people" className={btn.secondary}>
          Find someone else
        </Link>
      </PageHeader>

      <div className="space-y-4">
        {view.person?.erasedAt ? (
          <p role="status" className="rounded-lg bg-slate-100 p-3 text-sm text-slate-800" data-testid="person-erased">
            {done === "erased" ? "Erased. " : ""}This person was erased on <Time value={view.person.erasedAt} />: no personal data is left.
            What is shown are non-personal tombstones (the counts and the audit trail); the reason is in the audit log.
          </p>
        ) : null}
        <Card>
          <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-4">
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Auth0 user id</dt>
              <dd className="mt-0.5 break-all font-mono" data-testid="person-auth0-id">
                {view.auth0UserId}
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Portal id</dt>
              <dd className="mt-0.5 break-all font-mono" data-testid="person-portal-id">
                {view.person?.id ?? "— (never reached the portal with a valid token)"}
              </dd>
              {view.person ? (
                <dd className="text-xs text-slate-500">
                  first seen <Time value={view.person.createdAt} />
                </dd>
              ) : null}
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">
                Status check (Auth0 Action, unregistered applications)
              </dt>
              <dd className="mt-0.5">
                <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${action.tone}`}>{action.label}</span>
              </dd>
              <dd className="text-xs text-slate-500">{action.note}</dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Re-verification due</dt>
              <dd className="mt-0.5 font-medium" data-testid="person-next-due">
                {view.nextDue ? (
                  <Time value={view.nextDue} />
                ) : view.globalIntervalHours <= 0 ? (
                  "at every login"
                ) : (
                  "— (no successful check)"
                )}
              </dd>
              <dd className="text-xs text-slate-500">
                {view.lastSuccessfulCheck ? (
                  <>
                    last successful check <Time value={view.lastSuccessfulCheck} /> + {view.globalIntervalHours} h (global interval;
                    applications may differ, below)
                  </>
                ) : (
                  "after the next successful check"
                )}
              </dd>
            </div>
          </dl>
        </Card>

        {problem ? (
          <Card title="Latest attempt failed">
            <p className="text-sm">
              <Link href={attemptHref(problem.referenceCode)} className="font-mono text-brand-700 underline">
                {problem.referenceCode}
              </Link>{" "}
              · <Time value={problem.createdAt} /> · <Badge value={problem.status} /> ·{" "}
              <span className="font-mono">{problem.failureCode ?? "no code"}</span>
              {latest?.applicationName ? ` · ${latest.applicationName}` : ""}
            </p>
            {problemExplanation ? (
              <dl className="my-3 grid gap-2 rounded-lg bg-slate-50 p-3 text-sm sm:grid-cols-[8rem_1fr]">
                <dt className="font-medium text-slate-600">What happened</dt>
                <dd>{problemExplanation.what}</dd>
                <dt className="font-medium text-slate-600">Next step</dt>
                <dd>{problemExplanation.next}</dd>
              </dl>
            ) : null}
            <CopySummary attempt={{ ...problem, applicationName: latest?.applicationName ?? null }} role={staff.role} />
          </Card>
        ) : null}

        <Card title="Would they pass now?">
          <p className="mb-3 text-sm text-slate-600">
            For every registered application, the same rule as the login: a verified record of the provider, inside the application&apos;s
            interval, that fits its policy.
          </p>
          <div className="-mx-4 overflow-x-auto sm:mx-0">
            <table className="min-w-full text-left text-sm" data-testid="person-applications">
              <caption className="sr-only">Status of this person for each application</caption>
              <TableHead columns={["Application", "Asks for", "Now", "Why", "Next due"]} />
              <tbody className="divide-y divide-slate-100">
                {view.applications.map((a) => (
                  <tr key={a.clientId ?? "(global)"} className="align-top">
                    <td className="px-3 py-2">
                      <span className="font-medium">{a.name}</span>
                      {a.clientId ? (
                        <span className="block font-mono text-xs text-slate-500">{a.clientId}</span>
                      ) : (
                        <span className="block text-xs text-slate-500">global settings</span>
                      )}
                    </td>
                    <td className="px-3 py-2">
                      {a.policy}
                      {a.requiredGroup ? ` (${a.requiredGroup})` : ""}
                      <span className="block text-xs text-slate-500">
                        {a.required ? "required" : "optional"} · every {a.intervalHours} h
                      </span>
                    </td>
                    <td className="px-3 py-2" data-testid={`person-app-${a.clientId ?? "global"}`}>
                      {a.decision.passes ? (
                        <span className="inline-flex rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 ring-1 ring-emerald-200">
                          passes
                        </span>
                      ) : (
                        <span className="inline-flex rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-900 ring-1 ring-amber-200">
                          {a.required ? "must verify" : "asked to verify"}
                        </span>
                      )}
                      <span className="mt-1 block text-xs text-slate-500" data-testid="person-app-status">
                        status check: {ACTION_STATUS[statusOf(a.decision, view.records.length)].label}
                      </span>
                    </td>
                    <td className="max-w-md px-3 py-2 text-slate-700">
                      {a.decision.reason}
                      {a.decision.record ? (
                        <>
                          {" "}
                          <Link href={recordHref(a.decision.record.id)} className="text-brand-700 underline">
                            record
                          </Link>
                        </>
                      ) : null}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2">
                      {a.decision.passes ? (
                        <Time value={a.decision.nextDue} />
                      ) : a.decision.overdueSince ? (
                        <span className="text-rose-700">
                          overdue since <Time value={a.decision.overdueSince} />
                        </span>
                      ) : (
                        "at next login"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>

        <Card title={`Verification records (${view.records.length})`}>
          {view.records.length ? (
            <div className="-mx-4 overflow-x-auto sm:mx-0">
              <table className="min-w-full text-left text-sm" data-testid="person-records">
                <caption className="sr-only">
                  Verification records of this person (one per provider identity and policy), newest check first
                </caption>
                <TableHead columns={["Record", "Status", "Provider", "Policy", "Groups", "Last check", "Expires", "Application"]} />
                <tbody className="divide-y divide-slate-100">
                  {view.records.map((r) => (
                    <tr key={r.id}>
                      <td className="px-3 py-2">
                        <Link href={recordHref(r.id)} className="font-mono text-xs text-brand-700 underline">
                          {r.id}
                        </Link>
                      </td>
                      <td className="px-3 py-2">
                        <Badge value={r.status} />
                        {r.status === "revoked" ? (
                          <span className="block text-xs text-slate-500">
                            <Time value={r.updatedAt} />
                          </span>
                        ) : null}
                      </td>
                      <td className="px-3 py-2">{providerName(r.provider)}</td>
                      <td className="px-3 py-2">{policyLabel(r.policyKey)}</td>
                      <td className="px-3 py-2">{r.groups.length ? r.groups.join(", ") : "—"}</td>
                      <td className="whitespace-nowrap px-3 py-2">
                        <Time value={r.lastCheckedAt} />
                      </td>
                      <td className="whitespace-nowrap px-3 py-2">
                        <Time value={r.expiresAt} />
                      </td>
                      <td className="px-3 py-2">{appName(r.lastClientId)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="text-sm text-slate-600">No verification record yet.</p>
          )}
          {/* Every record keeps its place (a stable key), so the "Revoked." message survives the refresh. */}
          <div className={verified.length ? "mt-4 space-y-2" : "mt-2 space-y-2"}>
            {view.records.map((r) => (
              <RevokeForm
                key={r.id}
                recordId={r.id}
                status={r.status}
                quiet
                label={`Revoke the ${policyLabel(r.policyKey)} verification ${r.id}…`}
              />
            ))}
          </div>
        </Card>

        <Card title="Attempts">
          {attempts.length ? (
            <div className="-mx-4 overflow-x-auto sm:mx-0">
              <table className="min-w-full text-left text-sm" data-testid="person-attempts">
                <caption className="sr-only">Attempts of this person, newest first</caption>
                <TableHead columns={["Reference", "Started", "Status", "Failure", "Application"]} />
                <tbody className="divide-y divide-slate-100">
                  {attempts.map((a) => (
                    <tr key={a.id} className="align-top">
                      <AttemptLeadCells a={a} />
                      <td className="px-3 py-2">
                        {a.failureCode ? (
                          <>
                            <Link
                              href={`/admin/failures${query({ range: "30d", code: a.failureCode })}`}
                              className="font-mono text-xs underline"
                            >
                              {a.failureCode}
                            </Link>
                            {a.headline ? <span className="block text-xs text-slate-600">{a.headline}</span> : null}
                          </>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td className="px-3 py-2">{a.applicationName ?? a.auth0ClientId ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="text-sm text-slate-600">No attempts.</p>
          )}
          <div className="mt-3 flex flex-wrap gap-2">
            {next ? (
              <Link href={`${personHref(view.auth0UserId)}${query({ before: next })}`} className={btn.secondary}>
                Older attempts
              </Link>
            ) : null}
            {before ? (
              <Link href={personHref(view.auth0UserId)} className={btn.secondary}>
                Newest attempts
              </Link>
            ) : null}
            <a href={`/api/admin/export${query({ kind: "attempts", user: view.auth0UserId })}`} className={btn.secondary} download>
              Download attempts (CSV)
            </a>
          </div>
        </Card>

        {staff.role === "admin" && view.person && !view.person.erasedAt ? (
          <Card title="Personal data (admins)">
            <div className="space-y-3">
              <p className="text-sm text-slate-700">
                For a data-protection request: everything the portal holds about this person as one JSON document (decrypted; the download
                is written to the audit log), or their erasure.
              </p>
              <a href={`/api/admin/people/${encodeURIComponent(view.person.id)}/export`} className={btn.secondary} download>
                Download everything held about this person (JSON)
              </a>
              <EraseForm auth0UserId={view.auth0UserId} />
            </div>
          </Card>
        ) : null}
      </div>
    </>
  );
}
